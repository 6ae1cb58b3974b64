"""The Celery app. Settings come from Django's with the CELERY_ namespace.

Without REDIS_URL, CELERY_TASK_ALWAYS_EAGER runs tasks in-process (the embedded default).
"""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")

app = Celery("codenest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_work_without_a_secret(**kwargs):
    from codenest.startup import require_secret_key

    require_secret_key()
