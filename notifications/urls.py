from django.urls import path
from rest_framework.routers import SimpleRouter

from notifications import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("notifications/unsubscribe/", views.UnsubscribeView.as_view(), name="notification-unsubscribe"),
    *router.urls,
]
