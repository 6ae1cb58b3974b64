"""Every write of the notifications app. Keyword-only, one transaction, pushes after commit."""

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from codenest.errors import NotFound
from codenest.realtime import send_event_on_commit, user_group
from notifications import selectors
from notifications.models import DigestLog, DigestPeriod, EmailDigest, Notification, NotificationPreference, Verb
from notifications.serializers import NotificationSerializer
from rooms.models import Room
from rooms.selectors import room_viewers_among
from users.models import User
from users.selectors import blocked_user_ids

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "notifications.digest.unsubscribe"
PERIOD_LENGTH = {DigestPeriod.DAILY: timedelta(days=1), DigestPeriod.WEEKLY: timedelta(days=7)}


# --- pushes ----------------------------------------------------------------------------------


def _as_event_payload(notification: Notification) -> dict:
    # The channel layer serialises with msgpack: plain JSON types only.
    return json.loads(json.dumps(NotificationSerializer(notification).data, cls=DjangoJSONEncoder))


def _push_unread_count(user_id: int) -> None:
    count = selectors.unread_count(user_id=user_id)
    send_event_on_commit(user_group(user_id), {"type": "notification.unread_count", "count": count})


def _push_created(notifications: list[Notification]) -> None:
    counts = selectors.unread_counts(user_ids=[notification.recipient_id for notification in notifications])
    for notification in notifications:
        event = {
            "type": "notification.created",
            "notification": _as_event_payload(notification),
            "unread_count": counts[notification.recipient_id],
        }
        send_event_on_commit(user_group(notification.recipient_id), event)


# --- notifications ---------------------------------------------------------------------------


@transaction.atomic
def notification_create_many(
    *,
    recipients: Iterable[User],
    verb: str,
    message: str,
    actor: User | None = None,
    link: str = "",
    target_type: str = "",
    target_id: int | None = None,
    data: dict | None = None,
) -> list[Notification]:
    """Notify each recipient, except the actor themself, inactive users, users with a block either way
    with the actor, and those who muted the verb."""
    verb = Verb(verb).value
    actor_id = actor.pk if actor is not None else None
    unique = {user.pk: user for user in recipients if user.is_active and user.pk != actor_id}
    if actor_id is not None and unique:
        # Nobody hears from someone they blocked or who blocked them: mentions, replies, anything.
        blocked = blocked_user_ids(actor_id)
        unique = {pk: user for pk, user in unique.items() if pk not in blocked}
    muted = selectors.muted_verbs_by_user(user_ids=list(unique))
    rows = [
        Notification(
            recipient=user,
            actor=actor,
            verb=verb,
            message=message[:300],
            link=link[:300],
            target_type=target_type,
            target_id=target_id,
            data=data or {},
        )
        for user_id, user in unique.items()
        if verb not in muted.get(user_id, ())
    ]
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)  # one INSERT however many recipients
    _push_created(created)
    return created


@transaction.atomic
def notifications_create_for(
    *,
    recipient_ids: Iterable[int],
    verb: str,
    message: str,
    actor_id: int | None = None,
    room_id: int | None = None,
    **fields: Any,
) -> list[Notification]:
    """notification_create_many by ids, as a task calls it. With `room_id`, only the recipients who
    may see that room's content are notified (defence in depth: senders already narrow mentions)."""
    ids = list(dict.fromkeys(recipient_ids))
    if room_id is not None:
        room = Room.objects.filter(pk=room_id).first()
        viewers = room_viewers_among(room=room, user_ids=ids) if room is not None else set()  # deleted meanwhile
        ids = [user_id for user_id in ids if user_id in viewers]
    if not ids:
        return []
    users = User.objects.in_bulk(ids)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    recipients = [users[user_id] for user_id in ids if user_id in users]
    return notification_create_many(recipients=recipients, verb=verb, message=message, actor=actor, **fields)


def notification_create(*, recipient: User, verb: str, message: str, **fields: Any) -> Notification | None:
    created = notification_create_many(recipients=[recipient], verb=verb, message=message, **fields)
    return created[0] if created else None


@transaction.atomic
def notification_create_once(
    *,
    recipient: User,
    verb: str,
    message: str,
    target_type: str,
    target_id: int,
    while_unread: bool = False,
    **fields: Any,
) -> Notification | None:
    """At most one notification of `verb` about one target for a recipient.

    With `while_unread` the existing one counts only while unread, and a new event refreshes it
    (text, actor, time) instead of adding another: one unread direct_message per conversation.
    Without it, once is once (a message_request is announced a single time).
    """
    # Serialise per recipient so two messages arriving together cannot both create one.
    User.objects.select_for_update().filter(pk=recipient.pk).first()
    existing = Notification.objects.filter(
        recipient=recipient, verb=Verb(verb).value, target_type=target_type, target_id=target_id
    )
    if while_unread:
        existing = existing.filter(is_read=False)
    current = existing.order_by("-id").first()
    if current is None:
        return notification_create(
            recipient=recipient, verb=verb, message=message, target_type=target_type, target_id=target_id, **fields
        )
    if while_unread:
        current.message = message[:300]
        current.actor = fields.get("actor", current.actor)
        current.data = fields.get("data", current.data)
        current.created_at = timezone.now()
        current.save(update_fields=["message", "actor", "data", "created_at"])
    return current


def notification_create_once_for(
    *, recipient_id: int, actor_id: int | None = None, **fields: Any
) -> Notification | None:
    """notification_create_once by ids, as a task calls it (None when the recipient is gone)."""
    recipient = User.objects.filter(pk=recipient_id).first()
    if recipient is None:
        return None
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    return notification_create_once(recipient=recipient, actor=actor, **fields)


@transaction.atomic
def notification_mark_read(*, user: User, notification_id: int) -> Notification:
    notification = Notification.objects.select_for_update().filter(pk=notification_id, recipient=user).first()
    if notification is None:
        raise NotFound("No such notification.")
    if not notification.is_read:
        notification.is_read = True
        notification.save(update_fields=["is_read"])
        _push_unread_count(user.pk)
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    marked = Notification.objects.filter(recipient=user, is_read=False).update(is_read=True)
    if marked:
        _push_unread_count(user.pk)
    return marked


# --- preferences -----------------------------------------------------------------------------


@transaction.atomic
def preference_update(
    *, user: User, email_digest: str | None = None, muted_verbs: list[str] | None = None
) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    changed = []
    if email_digest is not None and email_digest != preference.email_digest:
        preference.email_digest = EmailDigest(email_digest).value
        changed.append("email_digest")
    if muted_verbs is not None:
        unknown = sorted(set(muted_verbs) - set(Verb.values))
        if unknown:
            raise ValidationError({"muted_verbs": [f"Unknown verbs: {', '.join(unknown)}."]})
        wanted = sorted(set(muted_verbs))
        if wanted != preference.muted_verbs:
            preference.muted_verbs = wanted
            changed.append("muted_verbs")
    if changed:
        preference.save(update_fields=[*changed, "updated_at"])
    return preference


def unsubscribe_token_for(user: User) -> str:
    # No expiry: the link in a months-old e-mail must still work.
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url_for(user: User) -> str:
    path = reverse("notification-unsubscribe", kwargs={"version": "v1"})
    return f"{settings.SITE_URL.rstrip('/')}{path}?token={unsubscribe_token_for(user)}"


@transaction.atomic
def preference_unsubscribe_digest(*, token: str) -> NotificationPreference:
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as exc:
        raise ValidationError({"token": ["This unsubscribe link is not valid."]}) from exc
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None:
        raise ValidationError({"token": ["This unsubscribe link is not valid."]})
    return preference_update(user=user, email_digest=EmailDigest.OFF)


# --- e-mail digests --------------------------------------------------------------------------


def digest_period_start(*, period: str, now: datetime) -> datetime:
    """The start of the calendar period (UTC day, ISO week) `now` falls in: one digest per such period."""
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if DigestPeriod(period) == DigestPeriod.WEEKLY:
        return day_start - timedelta(days=day_start.weekday())
    return day_start


def _render_digest(
    *, user: User, period: str, notifications: list, posts: list, unread_conversations: int = 0
) -> EmailMultiAlternatives:
    context = {
        "user": user,
        "period": period,
        "notifications": notifications,
        "posts": posts,
        "unread_conversations": unread_conversations,
        "conversations_url": f"{settings.SITE_URL.rstrip('/')}/conversations",
        "site_url": settings.SITE_URL.rstrip("/"),
        "unsubscribe_url": unsubscribe_url_for(user),
    }
    subject = render_to_string("notifications/email/digest_subject.txt", context).strip()
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("notifications/email/digest.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    email.attach_alternative(render_to_string("notifications/email/digest.html", context), "text/html")
    return email


def digest_send(*, user: User, period: str, now: datetime) -> str:
    """Send `user` their digest for the period `now` is in. Returns "sent", "empty" or "already_sent".

    The DigestLog row is inserted and the mail sent in one transaction: a concurrent run blocks on the
    unique key and then finds it taken; a failed send rolls the row back so a retry sends again.
    """
    period = DigestPeriod(period).value
    period_start = digest_period_start(period=period, now=now)
    if DigestLog.objects.filter(user=user, period=period, period_start=period_start).exists():
        return "already_sent"
    since = now - PERIOD_LENGTH[DigestPeriod(period)]
    notifications = selectors.digest_notifications(user=user, since=since)
    posts = selectors.digest_top_posts(user=user, since=since, until=now)
    unread_conversations = selectors.digest_unread_conversations(user=user)
    if not notifications and not posts and not unread_conversations:
        return "empty"
    try:
        with transaction.atomic():
            DigestLog.objects.create(
                user=user,
                period=period,
                period_start=period_start,
                notification_count=len(notifications),
                post_count=len(posts),
                sent_at=now,
            )
            _render_digest(
                user=user,
                period=period,
                notifications=notifications,
                posts=posts,
                unread_conversations=unread_conversations,
            ).send()
    except IntegrityError:
        return "already_sent"
    return "sent"


def digests_send(*, period: str, now: datetime | None = None) -> dict[str, int]:
    """Send every opted-in user their digest; one user's failure neither stops nor undoes the others."""
    now = now or timezone.now()
    outcome = {"sent": 0, "empty": 0, "already_sent": 0, "failed": 0}
    for user in selectors.digest_recipients(period=period).iterator(chunk_size=500):
        try:
            outcome[digest_send(user=user, period=period, now=now)] += 1
        except SoftTimeLimitExceeded:
            raise  # the task's time is up: stop now, its retry sends the rest (DigestLog skips the sent)
        except Exception:
            logger.exception("digest for user %s failed", user.pk)
            outcome["failed"] += 1
    return outcome
