"""Celery tasks of the notifications app: thin, idempotent, safe to retry."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from notifications import services

# Receivers of domain signals enqueue these with ids, so the request that sent the signal neither
# inserts nor pushes anything per recipient. The embedded default runs them eagerly, in-process.


@shared_task(name="notifications.tasks.notify")
def notify(
    *,
    recipient_ids: list[int],
    verb: str,
    message: str,
    actor_id: int | None = None,
    room_id: int | None = None,
    link: str = "",
    target_type: str = "",
    target_id: int | None = None,
    data: dict | None = None,
) -> int:
    """Notify the recipients (one INSERT for all), then push each their notification. Returns how many."""
    created = services.notifications_create_for(
        recipient_ids=recipient_ids,
        verb=verb,
        message=message,
        actor_id=actor_id,
        room_id=room_id,
        link=link,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )
    return len(created)


@shared_task(name="notifications.tasks.notify_once")
def notify_once(
    *,
    recipient_id: int,
    verb: str,
    message: str,
    target_type: str,
    target_id: int,
    while_unread: bool = False,
    actor_id: int | None = None,
    link: str = "",
    data: dict | None = None,
) -> int | None:
    """notification_create_once by ids (safe to retry: it is once by design). Returns the notification's id."""
    notification = services.notification_create_once_for(
        recipient_id=recipient_id,
        verb=verb,
        message=message,
        target_type=target_type,
        target_id=target_id,
        while_unread=while_unread,
        actor_id=actor_id,
        link=link,
        data=data,
    )
    return notification.pk if notification is not None else None


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
