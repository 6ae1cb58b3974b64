"""Celery tasks of the events app: thin wrappers around services, safe to run twice at once."""

from celery import shared_task

from events import services


@shared_task
def send_event_reminders() -> int:
    """Celery beat's job: remind yes-voters of locked slots starting within the hour (once per event)."""
    return services.event_reminders_send()
