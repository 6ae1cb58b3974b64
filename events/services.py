"""Every write of the events app. REST views, chat commands (`/event <title>`), admin actions and
Celery tasks all come here.

Each service is one transaction. Writes that depend on the event's state (votes, slots, lock,
cancel, tasks) first lock the event's row, so a vote never lands after a lock and two locks never
both win. Domain signals and the live `event.updated` frame leave only after commit.
"""

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from codenest.errors import conflict_on
from codenest.realtime import room_group, send_event_on_commit, send_signal_on_commit, user_group
from events import selectors, signals
from events.models import (
    DEFAULT_DURATION_MINUTES,
    DESCRIPTION_MAX_LENGTH,
    EVENT_FIELDS,
    LOCATION_MAX_LENGTH,
    MAX_DURATION_MINUTES,
    MAX_SLOTS_PER_EVENT,
    MIN_DURATION_MINUTES,
    TITLE_MAX_LENGTH,
    Answer,
    Event,
    EventStatus,
    EventTask,
    EventTaskStatus,
    Slot,
    Vote,
)
from events.serializers import EventSerializer, votes_by_user
from rooms.models import Room
from rooms.selectors import is_room_member
from rooms.serializers import plain
from users.models import User

REMINDER_LEAD = timedelta(hours=1)
# Far enough for any real plan; keeps date arithmetic (slot end, iCalendar) far from datetime's limits.
MAX_SLOT_AHEAD = timedelta(days=5 * 366)


def _lock_row(event: Event) -> Event:
    """The event re-read under a row lock: state checks below see the committed truth."""
    return Event.objects.select_for_update().get(pk=event.pk)


# Two events titled alike at the same moment: the slug chosen for both is taken by the first.
SLUG_RACE = {"events_event_slug_key": "Another event with this title was created at the same moment. Try again."}


def _unique_slug(title: str) -> str:
    base = slugify(title)[:200].strip("-") or "event"
    slug = base
    while Event.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


_MAX_LENGTHS = {"title": TITLE_MAX_LENGTH, "description": DESCRIPTION_MAX_LENGTH, "location": LOCATION_MAX_LENGTH}


def _clean_text(value: str, field: str, *, required: bool = False) -> str:
    """Trimmed and checked here too: chat commands and admin call services without a serializer."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: ["This field may not be blank."]})
    if len(value) > _MAX_LENGTHS[field]:
        raise ValidationError({field: [f"At most {_MAX_LENGTHS[field]} characters."]})
    return value


def _check_duration(minutes: int) -> None:
    if not isinstance(minutes, int) or not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {"duration_minutes": [f"Between {MIN_DURATION_MINUTES} and {MAX_DURATION_MINUTES} minutes."]}
        )


def _normalize_start(starts_at: datetime, *, now: datetime) -> datetime:
    """UTC, to the minute; refused when past or absurdly far ahead."""
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at, UTC)
    starts_at = starts_at.astimezone(UTC).replace(second=0, microsecond=0)
    if starts_at <= now:
        raise ValidationError({"starts_at": ["A slot cannot start in the past."]})
    if starts_at > now + MAX_SLOT_AHEAD:
        raise ValidationError({"starts_at": ["A slot must start within the next five years."]})
    return starts_at


def _require_manager(event: Event, actor: User) -> None:
    if not selectors.can_manage_event(event=event, user=actor):
        raise PermissionDenied("Only the event's creator or the room's moderators may do that.")


def _require_draft(event: Event) -> None:
    if event.status == EventStatus.LOCKED:
        raise ValidationError("This event is locked: its slots and votes can no longer change.")
    if event.status == EventStatus.CANCELLED:
        raise ValidationError("This event is cancelled.")


def _require_not_cancelled(event: Event) -> None:
    if event.status == EventStatus.CANCELLED:
        raise ValidationError("This event is cancelled.")


# --- live updates ----------------------------------------------------------------------------


def _audience(event: Event) -> list[str]:
    """The room's socket for a room's event; otherwise the creator's and voters' notification sockets."""
    if event.room_id is not None:
        return [room_group(event.room_id)]
    user_ids = {user.pk for user in selectors.voters_of(event=event)}
    if event.created_by_id is not None:
        user_ids.add(event.created_by_id)
    return [user_group(user_id) for user_id in sorted(user_ids)]


def _broadcast_updated(event: Event) -> None:
    """`event.updated` after commit. The payload is the same for everyone; each socket fills in its
    own `my_votes` from the answers sent along (string keys: the channel layer speaks msgpack)."""
    detail = selectors.event_detail(event_id=event.pk)
    payload = plain(EventSerializer(detail).data)
    answers = votes_by_user(detail)
    for group in _audience(detail):
        if group.startswith("user."):
            user_id = group.split(".", 1)[1]
            mine = {user_id: answers[user_id]} if user_id in answers else {}
        else:
            mine = answers
        send_event_on_commit(group, {"type": "event.updated", "event": payload, "my_votes": mine})


# --- events ----------------------------------------------------------------------------------


@transaction.atomic
def event_create(
    *,
    creator: User,
    title: str,
    room: Room | None = None,
    description: str = "",
    location: str = "",
    duration_minutes: int = DEFAULT_DURATION_MINUTES,
    slot_times: Iterable[datetime] = (),
) -> Event:
    """A draft event, standalone or in a room the creator belongs to, with optional proposed slots."""
    title = _clean_text(title, "title", required=True)
    if room is not None:
        if room.is_archived:
            raise PermissionDenied("This room is archived.")
        if not is_room_member(room_id=room.pk, user=creator):
            raise PermissionDenied("Only members of this room may create its events.")
    _check_duration(duration_minutes)
    now = timezone.now()
    starts = [_normalize_start(starts_at, now=now) for starts_at in slot_times]
    if len(starts) > MAX_SLOTS_PER_EVENT:
        raise ValidationError({"slots": [f"An event has at most {MAX_SLOTS_PER_EVENT} slots."]})
    if len(set(starts)) != len(starts):
        raise ValidationError({"slots": ["Each slot must start at a different time."]})
    with conflict_on(SLUG_RACE):
        event = Event.objects.create(
            title=title,
            slug=_unique_slug(title),
            description=_clean_text(description, "description"),
            room=room,
            created_by=creator,
            location=_clean_text(location, "location"),
            duration_minutes=duration_minutes,
        )
    Slot.objects.bulk_create([Slot(event=event, starts_at=starts_at) for starts_at in sorted(starts)])
    send_signal_on_commit(signals.event_created, sender=Event, event=event, creator=creator)
    _broadcast_updated(event)
    return event


@transaction.atomic
def event_update(*, event: Event, actor: User, data: dict) -> Event:
    """Change title, description, location, duration; `status: "cancelled"` cancels (see event_cancel)."""
    if data.get("status") not in (None, EventStatus.CANCELLED):
        raise ValidationError({"status": ['Only "cancelled" can be set; lock an event with its lock action.']})
    event = _lock_row(event)
    _require_manager(event, actor)
    changed = {field: data[field] for field in EVENT_FIELDS if field in data}
    if changed:
        _require_not_cancelled(event)
        if "title" in changed:
            changed["title"] = _clean_text(changed["title"], "title", required=True)
        for field in ("description", "location"):
            if field in changed:
                changed[field] = _clean_text(changed[field], field)
        if "duration_minutes" in changed:
            _check_duration(changed["duration_minutes"])
        for field, value in changed.items():
            setattr(event, field, value)
        event.save(update_fields=[*changed, "updated_at"])
    if data.get("status") == EventStatus.CANCELLED:
        return event_cancel(event=event, actor=actor)
    if changed:
        _broadcast_updated(event)
    return event


@transaction.atomic
def event_cancel(*, event: Event, actor: User) -> Event:
    """Cancel (idempotent: a second cancel changes and notifies nothing); every voter is told."""
    event = _lock_row(event)
    _require_manager(event, actor)
    if event.status == EventStatus.CANCELLED:
        return event
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    send_signal_on_commit(
        signals.event_cancelled, sender=Event, event=event, cancelled_by=actor, voters=selectors.voters_of(event=event)
    )
    _broadcast_updated(event)
    return event


@transaction.atomic
def event_delete(*, event: Event, actor: User) -> None:
    event = _lock_row(event)
    _require_manager(event, actor)
    groups = _audience(event)
    event_id = event.pk
    event.delete()
    for group in groups:
        send_event_on_commit(group, {"type": "event.deleted", "id": event_id})


@transaction.atomic
def event_lock(*, event: Event, actor: User, slot_id: int) -> Event:
    """Fix the event on one of its slots still to come; every voter gets `event_locked`.

    Under concurrency the row lock orders the lockers: the first wins, the next finds the event
    locked and is refused (400), so an event is never locked twice.
    """
    event = _lock_row(event)
    _require_manager(event, actor)
    _require_draft(event)
    slot = Slot.objects.filter(event=event, pk=slot_id).first()
    if slot is None:
        raise ValidationError({"slot": ["No such slot in this event."]})
    now = timezone.now()
    if slot.starts_at <= now:
        raise ValidationError({"slot": ["This slot has already started."]})
    event.status, event.locked_slot, event.locked_at = EventStatus.LOCKED, slot, now
    event.save(update_fields=["status", "locked_slot", "locked_at", "updated_at"])
    send_signal_on_commit(
        signals.event_locked,
        sender=Event,
        event=event,
        slot=slot,
        locked_by=actor,
        voters=selectors.voters_of(event=event),
    )
    _broadcast_updated(event)
    return event


# --- slots -----------------------------------------------------------------------------------


@transaction.atomic
def slot_add(*, event: Event, actor: User, starts_at: datetime) -> Slot:
    event = _lock_row(event)
    _require_manager(event, actor)
    _require_draft(event)
    starts_at = _normalize_start(starts_at, now=timezone.now())
    slots = Slot.objects.filter(event=event)
    if slots.filter(starts_at=starts_at).exists():
        raise ValidationError({"starts_at": ["This event already has a slot at that time."]})
    if slots.count() >= MAX_SLOTS_PER_EVENT:
        raise ValidationError({"starts_at": [f"An event has at most {MAX_SLOTS_PER_EVENT} slots."]})
    slot = Slot.objects.create(event=event, starts_at=starts_at)
    _touch(event)
    _broadcast_updated(event)
    return slot


@transaction.atomic
def slot_remove(*, event: Event, actor: User, slot_id: int) -> None:
    """Remove a slot of a draft event, and its votes with it."""
    event = _lock_row(event)
    _require_manager(event, actor)
    _require_draft(event)
    selectors.slot_get(event=event, slot_id=slot_id).delete()
    _touch(event)
    _broadcast_updated(event)


def _touch(event: Event) -> None:
    event.save(update_fields=["updated_at"])


# --- votes -----------------------------------------------------------------------------------


def _open_slot_for_voting(event: Event, user: User, slot_id: int) -> Slot:
    if not selectors.can_vote(event=event, user=user):
        raise PermissionDenied("Join the room to vote on its events.")
    _require_draft(event)
    slot = selectors.slot_get(event=event, slot_id=slot_id)
    if slot.starts_at <= timezone.now():
        raise ValidationError({"slot": ["This slot has already started."]})
    return slot


@transaction.atomic
def vote_set(*, event: Event, user: User, slot_id: int, answer: str) -> Vote:
    """Vote yes or maybe on a slot; voting again changes the answer (one vote per user and slot)."""
    if answer not in Answer.values:
        raise ValidationError({"answer": [f'"{answer}" is not a valid answer: yes or maybe.']})
    event = _lock_row(event)
    slot = _open_slot_for_voting(event, user, slot_id)
    vote, _created = Vote.objects.update_or_create(slot=slot, user=user, defaults={"answer": answer})
    _touch(event)
    _broadcast_updated(event)
    return vote


@transaction.atomic
def vote_remove(*, event: Event, user: User, slot_id: int) -> None:
    """Withdraw my vote on a slot (nothing to withdraw is fine)."""
    event = _lock_row(event)
    slot = _open_slot_for_voting(event, user, slot_id)
    deleted, _ = Vote.objects.filter(slot=slot, user=user).delete()
    if deleted:
        _touch(event)
        _broadcast_updated(event)


# --- tasks -----------------------------------------------------------------------------------


def _assignee(event: Event, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    if user_id not in selectors.participant_ids(event=event):
        raise ValidationError({"assigned_to": ["Tasks go to the event's participants: its creator and voters."]})
    return User.objects.get(pk=user_id)


def _require_task_editor(task: EventTask, event: Event, actor: User, data: dict) -> None:
    """Managers change anything; the assignee may move their own task along (status only)."""
    if selectors.can_manage_event(event=event, user=actor):
        return
    if task.assigned_to_id == actor.pk and set(data) <= {"status"}:
        return
    raise PermissionDenied("Only the event's creator, the room's moderators or the assignee may do that.")


@transaction.atomic
def event_task_create(
    *,
    event: Event,
    actor: User,
    title: str,
    status: str = EventTaskStatus.TODO,
    assigned_to_id: int | None = None,
) -> EventTask:
    event = _lock_row(event)
    _require_manager(event, actor)
    _require_not_cancelled(event)
    task = EventTask.objects.create(
        event=event,
        title=_clean_text(title, "title", required=True),
        status=EventTaskStatus(status),
        assigned_to=_assignee(event, assigned_to_id),
        created_by=actor,
    )
    _touch(event)
    _broadcast_updated(event)
    return task


@transaction.atomic
def event_task_update(*, task: EventTask, actor: User, data: dict) -> EventTask:
    event = _lock_row(task.event)
    task = EventTask.objects.select_for_update().get(pk=task.pk)
    _require_task_editor(task, event, actor, data)
    _require_not_cancelled(event)
    fields = []
    if "title" in data:
        task.title = _clean_text(data["title"], "title", required=True)
        fields.append("title")
    if "status" in data:
        task.status = EventTaskStatus(data["status"])
        fields.append("status")
    if "assigned_to" in data:
        task.assigned_to = _assignee(event, data["assigned_to"])
        fields.append("assigned_to")
    if fields:
        task.save(update_fields=[*fields, "updated_at"])
        _touch(event)
        _broadcast_updated(event)
    return task


@transaction.atomic
def event_task_delete(*, task: EventTask, actor: User) -> None:
    event = _lock_row(task.event)
    _require_manager(event, actor)
    task.delete()
    _touch(event)
    _broadcast_updated(event)


# --- reminders -------------------------------------------------------------------------------


@transaction.atomic
def event_reminder_claim(*, event_id: int, now: datetime) -> bool:
    """Mark the event's reminder as sent and announce it, unless someone already did.

    One conditional UPDATE decides: under concurrency the database lets exactly one caller change
    the row, the others find `reminder_sent_at` set and send nothing.
    """
    claimed = Event.objects.filter(pk=event_id, status=EventStatus.LOCKED, reminder_sent_at__isnull=True).update(
        reminder_sent_at=now
    )
    if not claimed:
        return False
    event = Event.objects.select_related("locked_slot").get(pk=event_id)
    recipients = selectors.yes_voters_of(slot=event.locked_slot)  # type: ignore[arg-type]  # only locked events are reminded: they have a slot
    send_signal_on_commit(
        signals.event_reminder_due, sender=Event, event=event, slot=event.locked_slot, recipients=recipients
    )
    return True


def event_reminders_send(*, now: datetime | None = None) -> int:
    """Remind the yes-voters of every locked slot starting within the hour; returns events reminded."""
    now = now or timezone.now()
    due = selectors.events_due_for_reminder(now=now, lead=REMINDER_LEAD).values_list("id", flat=True)
    return sum(event_reminder_claim(event_id=event_id, now=now) for event_id in list(due))


# --- accounts --------------------------------------------------------------------------------


@transaction.atomic
def event_user_data_erase(*, user_id: int) -> int:
    """An erased account's availability (its votes) is personal data: removed, and its tasks unassigned.
    The events it created stay (content), shown with the "deleted" placeholder. Returns votes removed."""
    event_ids = set(Vote.objects.filter(user_id=user_id).values_list("slot__event_id", flat=True))
    event_ids |= set(EventTask.objects.filter(assigned_to_id=user_id).values_list("event_id", flat=True))
    removed, _ = Vote.objects.filter(user_id=user_id).delete()
    EventTask.objects.filter(assigned_to_id=user_id).update(assigned_to=None, updated_at=timezone.now())
    for event in Event.objects.filter(pk__in=event_ids).order_by("pk"):
        _broadcast_updated(event)
    return removed
