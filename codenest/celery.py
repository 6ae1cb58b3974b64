"""The Celery app. Settings come from Django's with the CELERY_ namespace.

Without REDIS_URL, CELERY_TASK_ALWAYS_EAGER runs tasks in-process (the embedded default).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")

app = Celery("codenest")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
