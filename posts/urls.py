from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from posts import views

router = SimpleRouter()
router.register("posts", views.PostViewSet, basename="post")
router.register("comments", views.CommentViewSet, basename="comment")

urlpatterns = [
    path("feed/", views.FeedView.as_view(), name="feed"),
    re_path(
        r"^rooms/(?P<room_id>\d+)/messages/(?P<message_id>\d+)/report/$",
        views.MessageReportView.as_view(),
        name="room-message-report",
    ),
    *router.urls,
]
