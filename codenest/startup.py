"""Guards for the processes that serve or run work (daphne, WSGI, Celery workers).

Production settings fall back to a throwaway key when SECRET_KEY is unset, so commands that never
sign anything (`makemigrations --check`) run without secrets. Whatever serves requests or runs tasks
must not start that way, nor with a placeholder such as .env.example's, and `check --deploy` must fail.
"""

from django.conf import settings
from django.core import checks
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET = "Set the SECRET_KEY environment variable: production settings have no default."
GENERATE_HINT = (
    'Generate one with: python -c "from django.core.management.utils import get_random_secret_key; '
    'print(get_random_secret_key())"'
)
# Marks the placeholders shipped in .env.example and the development default.
PLACEHOLDER_MARK = "change-me"


def secret_key_problem() -> str | None:
    """Why the configured SECRET_KEY is unfit for production, or None when it is fine (or not needed)."""
    if not getattr(settings, "SECRET_KEY_REQUIRED", False):
        return None
    if not getattr(settings, "SECRET_KEY_CONFIGURED", True):
        return MISSING_SECRET
    key = settings.SECRET_KEY
    if PLACEHOLDER_MARK in key.lower():
        return f"SECRET_KEY is still a placeholder (it contains {PLACEHOLDER_MARK!r}). {GENERATE_HINT}"
    if (
        key.startswith(SECRET_KEY_INSECURE_PREFIX)
        or len(key) < SECRET_KEY_MIN_LENGTH
        or (len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS)
    ):
        return (
            f"SECRET_KEY is too weak for production: at least {SECRET_KEY_MIN_LENGTH} characters, "
            f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} distinct, not prefixed {SECRET_KEY_INSECURE_PREFIX!r}. {GENERATE_HINT}"
        )
    return None


def require_secret_key() -> None:
    problem = secret_key_problem()
    if problem is not None:
        raise ImproperlyConfigured(problem)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_configured(app_configs, **kwargs):
    problem = secret_key_problem()
    return [] if problem is None else [checks.Error(problem, id="codenest.E001")]
