"""JWT authentication for WebSocket connections: `?token=<access JWT>`.

Sets scope["user"] (AnonymousUser when the token is missing or invalid) and scope["auth_error"]
so a consumer can accept and then close with 4401: a close code sent before accept is lost,
the handshake just fails with HTTP 403.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken


@database_sync_to_async
def _active_user(user_id):
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


async def user_from_token(raw_token: str | None):
    """Return (user or AnonymousUser, error message or None)."""
    if not raw_token:
        return AnonymousUser(), "missing token"
    try:
        token = AccessToken(raw_token)  # type: ignore[arg-type]  # the stubs omit that AccessToken takes the raw token
    except TokenError as exc:
        return AnonymousUser(), str(exc)
    user = await _active_user(token.get(api_settings.USER_ID_CLAIM))
    if user is None:
        return AnonymousUser(), "unknown or inactive user"
    return user, None


class JWTAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        token = (query.get("token") or [None])[0]
        user, error = await user_from_token(token)
        scope = dict(scope, user=user, auth_error=error)
        return await self.inner(scope, receive, send)
