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
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path("auth/password/reset/confirm/", views.PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"),
    path("auth/email/verify/", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    path("auth/email/resend/", views.EmailResendView.as_view(), name="auth-email-resend"),
    path("auth/token/", views.LoginView.as_view(), name="auth-token"),
    path("auth/token/refresh/", views.RefreshView.as_view(), name="auth-token-refresh"),
    path("auth/token/verify/", views.TokenVerifyAliasView.as_view(), name="auth-token-verify"),
    path("auth/github/", views.GitHubLoginView.as_view(), name="auth-github"),
    path("auth/github/link/", views.GitHubUnlinkView.as_view(), name="auth-github-link"),
    path("people/", views.PeopleView.as_view(), name="people"),
    *router.urls,
]
