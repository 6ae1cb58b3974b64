from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from projects import views

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register(r"projects/(?P<project_pk>\d+)/members", views.ProjectMemberViewSet, basename="project-member")
router.register(r"projects/(?P<project_pk>\d+)/tasks", views.TaskViewSet, basename="project-task")
router.register(
    r"projects/(?P<project_pk>\d+)/join-requests", views.ProjectJoinRequestViewSet, basename="project-join-request"
)

urlpatterns = [
    re_path(
        r"^projects/(?P<pk>\d+)/github/webhook/$", views.GitHubWebhookView.as_view(), name="project-github-webhook"
    ),
    path("users/me/matches/", views.MyMatchesView.as_view(), name="my-project-matches"),
    # Under rooms/ for clients; here because projects may import rooms and not the other way round.
    re_path(
        r"^rooms/(?P<room_id>\d+)/messages/(?P<message_id>\d+)/task/$",
        views.MessageTaskView.as_view(),
        name="room-message-task",
    ),
    *router.urls,
]
