from django.urls import path
from rest_framework.routers import SimpleRouter

from gamification import views

router = SimpleRouter()
router.register("badges", views.BadgeViewSet, basename="badge")
router.register("achievements", views.AchievementViewSet, basename="achievement")

urlpatterns = [
    path("users/<int:user_id>/badges/", views.UserBadgesView.as_view({"get": "list"}), name="user-badges"),
    path("leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"),
    *router.urls,
]
