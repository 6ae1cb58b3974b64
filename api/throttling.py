"""A per-user rate limit on every write, applied by default (REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES).

Every unsafe request (POST, PUT, PATCH, DELETE) of every DRF view counts against a scope of its
own, `<viewset basename>.<action>` (or `<ViewClass>.<method>` for a plain APIView): 60 comments and
60 votes a minute are separate budgets. Signed-in callers are counted per user, anonymous ones
per client address. Counting goes through api/ratelimit.py (the shared cache), so the limit holds
across server processes. Over the limit: 429 {"detail", "retry_after"} + Retry-After.

Rates, most specific first:
1. `RATELIMIT_WRITE_SCOPES` (environment, e.g. `post.vote=120/m,room.create=5/m`) by scope;
2. the view's `write_rate_limits = {"<action or method>": rate}`; a rate is "10/m" or the name of a
   setting ("RATELIMIT_POSTS"); `None` means the action counts itself (e.g. chat sends share
   RATELIMIT_CHAT with the socket) and is skipped here;
3. `RATELIMIT_WRITES` (default 60/m).

A new endpoint needs nothing: it is limited from its first line.
"""

from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

_NOT_DECLARED = object()


def write_scope(view, method: str) -> str:
    """The counter a write belongs to: `room.create`, `post.vote`, `RegisterView.post`."""
    explicit = getattr(view, "write_rate_scope", None)
    if explicit:
        return explicit
    action = getattr(view, "action", None)
    basename = getattr(view, "basename", None)
    if action and basename:
        return f"{basename}.{action}"
    return f"{type(view).__name__}.{method.lower()}"


def _resolve(rate: str | None) -> str | None:
    if rate and rate.startswith("RATELIMIT_"):
        return getattr(settings, rate)
    return rate or None


def write_rate(view, method: str) -> str | None:
    """The rate that applies to this write, or None when the view counts it itself."""
    scope = write_scope(view, method)
    overrides = getattr(settings, "RATELIMIT_WRITE_SCOPES", {}) or {}
    if scope in overrides:
        return _resolve(overrides[scope])
    declared = getattr(view, "write_rate_limits", None) or {}
    key = getattr(view, "action", None) or method.lower()
    rate = declared.get(key, _NOT_DECLARED)
    if rate is _NOT_DECLARED:
        return settings.RATELIMIT_WRITES
    return _resolve(rate)


class WriteRateThrottle(BaseThrottle):
    """Counts every unsafe request per user (or per address when anonymous) and scope."""

    def __init__(self):
        self._wait: int | None = None

    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS or not getattr(settings, "RATELIMIT_ENABLE", True):
            return True
        rate = write_rate(view, request.method)
        if not rate:
            return True
        # Imported here: api.ratelimit imports rest_framework.views, which imports this module.
        from api.ratelimit import check_rate_limit, client_ip

        user = getattr(request, "user", None)
        ident = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_ip(request)}"
        self._wait = check_rate_limit(group=f"writes.{write_scope(view, request.method)}", ident=ident, rate=rate)
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait
