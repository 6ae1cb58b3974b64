"""Guards for the processes that serve or run work (daphne, WSGI, Celery workers).

Production settings fall back to a throwaway key when SECRET_KEY is unset, so commands that never
sign anything (`makemigrations --check`) run without secrets. Whatever serves requests or runs tasks
must not start that way, and `check --deploy` must fail.
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET = "Set the SECRET_KEY environment variable: production settings have no default."


def secret_key_configured() -> bool:
    return getattr(settings, "SECRET_KEY_CONFIGURED", True)


def require_secret_key() -> None:
    if not secret_key_configured():
        raise ImproperlyConfigured(MISSING_SECRET)


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key_configured(app_configs, **kwargs):
    if secret_key_configured():
        return []
    return [checks.Error(MISSING_SECRET, id="codenest.E001")]
