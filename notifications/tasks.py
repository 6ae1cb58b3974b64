"""Celery tasks of the notifications app: thin, idempotent, safe to retry."""

from celery import shared_task

from notifications import services


class DigestsIncomplete(Exception):
    """Some digests failed to send; a retry sends only those (the others are in DigestLog)."""


@shared_task(
    bind=True,
    name="notifications.tasks.send_digests",
    autoretry_for=(DigestsIncomplete,),
    retry_backoff=60,
    max_retries=5,
)
def send_digests(self, period: str) -> dict[str, int]:
    outcome = services.digests_send(period=period)
    if outcome["failed"]:
        raise DigestsIncomplete(f"{outcome['failed']} {period} digests failed: {outcome}")
    return outcome
