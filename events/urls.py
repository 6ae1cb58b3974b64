from rest_framework.routers import SimpleRouter

from events import views

router = SimpleRouter()
router.register("events", views.EventViewSet, basename="event")
router.register(r"events/(?P<event_pk>\d+)/slots", views.SlotViewSet, basename="event-slot")
router.register(r"events/(?P<event_pk>\d+)/tasks", views.EventTaskViewSet, basename="event-task")

urlpatterns = router.urls
