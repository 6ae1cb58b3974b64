from rest_framework.routers import SimpleRouter

from rooms import views

router = SimpleRouter()
router.register("rooms", views.RoomViewSet, basename="room")
router.register(r"rooms/(?P<room_id>\d+)/messages", views.MessageViewSet, basename="room-message")

urlpatterns = router.urls
