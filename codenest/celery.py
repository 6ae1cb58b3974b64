"""The Celery app. Settings come from Django's with the CELERY_ namespace.

Without REDIS_URL, CELERY_TASK_ALWAYS_EAGER runs tasks in-process (the embedded default).
"""

import logging
import os

from celery import Celery, bootsteps, signals
from celery.exceptions import SecurityError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")

logger = logging.getLogger(__name__)

app = Celery("codenest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Log through settings.LOGGING, as daphne and manage.py do.

    Without a receiver for this signal Celery empties the root logger's handlers and installs its own
    (its format, the level of --loglevel); with one, it leaves logging to us. This applies LOGGING as
    django.setup() does, whether or not Django was set up before the signal (worker or beat).
    """
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


class RequireSecretKey(bootsteps.Step):
    """A worker decrypts stored GitHub tokens and signs links: it must not run on a throwaway key.

    A worker_init receiver cannot stop a worker (Celery logs the receiver's error and starts anyway).
    A bootstep can: a SecurityError raised while the worker is built makes `celery worker` print the
    reason and exit 1.
    """

    name = "codenest.require-secret-key"

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        from codenest.startup import secret_key_problem

        problem = secret_key_problem()
        if problem is not None:
            raise SecurityError(problem)
        if parent.app.conf.broker_url.startswith("memory://"):
            logger.warning(
                "No REDIS_URL (or CELERY_BROKER_URL): this worker's in-memory broker receives nothing from "
                "other processes; with the embedded defaults tasks run eagerly inside the web process."
            )


app.steps["worker"].add(RequireSecretKey)
