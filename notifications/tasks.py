"""Celery tasks of the notifications app: thin, idempotent, safe to retry."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from notifications import services


class DigestsIncomplete(Exception):
    """Some digests failed to send; a retry sends only those (the others are in DigestLog)."""


@shared_task(
    bind=True,
    name="notifications.tasks.send_digests",
    autoretry_for=(DigestsIncomplete, SoftTimeLimitExceeded),
    retry_backoff=60,
    max_retries=5,
    # One run mails every subscriber, one after the other: far longer than the default limits.
    soft_time_limit=2 * 3600,
    time_limit=2 * 3600 + 300,
)
def send_digests(self, period: str) -> dict[str, int]:
    outcome = services.digests_send(period=period)
    if outcome["failed"]:
        raise DigestsIncomplete(f"{outcome['failed']} {period} digests failed: {outcome}")
    return outcome
