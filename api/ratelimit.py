"""Rate limits on the shared cache (Redis when configured) through django-ratelimit.

Fixed windows counted with the cache's atomic add/incr, so several server processes share one
count. Every write is counted by api/throttling.py by default; views with a limit of their own call
`enforce_rate_limit`; consumers call `check_rate_limit` (no request there).
"""

from django.conf import settings
from django_ratelimit.core import get_usage

from api.exceptions import RateLimited


def client_ip(request) -> str:
    """The caller's address (the first X-Forwarded-For hop only when RATELIMIT_TRUST_X_FORWARDED_FOR)."""
    if getattr(settings, "RATELIMIT_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check_rate_limit(*, group: str, ident: str, rate: str) -> int | None:
    """Count one hit for `ident` in `group`; return seconds to wait when over the limit, else None."""
    usage = get_usage(None, group=group, key=lambda _group, _request: ident, rate=rate, increment=True)
    if usage and usage["should_limit"]:
        return max(int(usage["time_left"]), 1)
    return None


def enforce_rate_limit(request, *, group: str, rate: str, per: str = "ip") -> None:
    """Raise RateLimited (429 + Retry-After) when the caller is over `rate` in `group`.

    per="ip" counts by client address, per="user" by the authenticated user's id.
    """
    ident = f"user:{request.user.pk}" if per == "user" and request.user.is_authenticated else client_ip(request)
    wait = check_rate_limit(group=group, ident=ident, rate=rate)
    if wait is not None:
        raise RateLimited(wait=wait)
