from django.urls import path
from rest_framework.routers import SimpleRouter

from users import avatars, views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("skills", views.SkillViewSet, basename="skill")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/login/", views.LoginView.as_view(), name="auth-login"),
    path("auth/refresh/", views.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="auth-logout"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("users/me/avatar/", avatars.AvatarView.as_view(), name="user-avatar"),
    *router.urls,
]
