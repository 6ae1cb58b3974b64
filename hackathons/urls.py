from rest_framework.routers import SimpleRouter

from hackathons import views

router = SimpleRouter()
router.register("hackathons", views.HackathonViewSet, basename="hackathon")
router.register(r"hackathons/(?P<hackathon_pk>\d+)/teams", views.TeamViewSet, basename="hackathon-team")
router.register(
    r"hackathons/(?P<hackathon_pk>\d+)/teams/(?P<team_pk>\d+)/requests",
    views.TeamJoinRequestViewSet,
    basename="hackathon-team-request",
)
router.register(
    r"hackathons/(?P<hackathon_pk>\d+)/submissions", views.SubmissionViewSet, basename="hackathon-submission"
)

urlpatterns = router.urls
