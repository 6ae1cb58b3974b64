"""Reads of the events app: who may see which event, and events with everything a client shows.

Visibility follows the room: an event without a room is public; a room's event is visible exactly
to those who may see the room (rooms.selectors.room_ids_visible_to is the one rule), and a hidden
one is NotFound, never 403.
"""

from datetime import datetime, timedelta

from django.db.models import Case, DateTimeField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, When
from django.utils import timezone

from api.params import MAX_ID
from codenest.errors import NotFound
from events.models import Event, EventStatus, EventTask, Slot, Vote
from rooms.selectors import is_room_member, is_room_moderator, room_ids_visible_to
from users.models import User
from users.types import Viewer, is_signed_in


def events_visible_to(user: Viewer) -> QuerySet[Event]:
    return Event.objects.filter(Q(room__isnull=True) | Q(room__in=room_ids_visible_to(user=user)))


def with_details(events: QuerySet[Event]) -> QuerySet[Event]:
    """Creator, slots with their votes and voters, and tasks: four queries for any number of events."""
    votes = Vote.objects.select_related("user").order_by("id")
    slots = Slot.objects.order_by("starts_at", "id").prefetch_related(Prefetch("votes", queryset=votes))
    tasks = EventTask.objects.select_related("assigned_to").order_by("id")
    return events.select_related("created_by").prefetch_related(
        Prefetch("slots", queryset=slots), Prefetch("tasks", queryset=tasks)
    )


def _next_start(now: datetime) -> Case:
    """When the event happens next: its locked slot, else its earliest slot still to come."""
    earliest = Slot.objects.filter(event=OuterRef("pk"), starts_at__gte=now).order_by("starts_at").values("starts_at")
    return Case(
        When(status=EventStatus.LOCKED, then=F("locked_slot__starts_at")),
        default=Subquery(earliest[:1]),
        output_field=DateTimeField(),
    )


def event_list(
    *, user: Viewer, room_id: int | None = None, status: str | None = None, upcoming: bool = False
) -> QuerySet[Event]:
    """Visible events, newest first; `upcoming` keeps those still to come, soonest first."""
    events = events_visible_to(user)
    if room_id is not None:
        events = events.filter(room_id=room_id)
    if status:
        events = events.filter(status=status)
    if upcoming:
        events = (
            events.exclude(status=EventStatus.CANCELLED)
            .annotate(next_starts_at=_next_start(timezone.now()))
            .filter(next_starts_at__isnull=False, next_starts_at__gte=timezone.now())
            .order_by("next_starts_at", "id")
        )
    else:
        events = events.order_by("-id")
    return with_details(events)


def event_get_for_user(*, event_id: int, user: Viewer) -> Event:
    """The event (plain, for services) if the user may see it; NotFound otherwise."""
    event = None
    if 0 < int(event_id) <= MAX_ID:
        event = events_visible_to(user).filter(pk=event_id).select_related("room").first()
    if event is None:
        raise NotFound("No such event.")
    return event


def event_detail(*, event_id: int) -> Event:
    """An event already known to be visible, with everything its representation shows."""
    return with_details(Event.objects.filter(pk=event_id)).get()


def slot_get(*, event: Event, slot_id: int) -> Slot:
    slot = Slot.objects.filter(event=event, pk=slot_id).first() if 0 < int(slot_id) <= MAX_ID else None
    if slot is None:
        raise NotFound("No such slot in this event.")
    return slot


def task_list(*, event: Event) -> QuerySet[EventTask]:
    return EventTask.objects.filter(event=event).select_related("assigned_to").order_by("id")


def task_get(*, event: Event, task_id: int) -> EventTask:
    task = task_list(event=event).filter(pk=task_id).first() if 0 < int(task_id) <= MAX_ID else None
    if task is None:
        raise NotFound("No such task in this event.")
    return task


# --- roles and participants ------------------------------------------------------------------


def can_manage_event(*, event: Event, user: Viewer) -> bool:
    """The creator, for a room's event the room's owners and moderators, and staff (moderation)."""
    if not is_signed_in(user):
        return False
    if event.created_by_id == user.pk or user.is_staff:
        return True
    return event.room_id is not None and is_room_moderator(room_id=event.room_id, user=user)


def can_vote(*, event: Event, user: Viewer) -> bool:
    """Anyone signed in votes on a standalone event; a room's event is for the room's members."""
    if not is_signed_in(user):
        return False
    return event.room_id is None or is_room_member(room_id=event.room_id, user=user)


def voters_of(*, event: Event) -> list[User]:
    """Everyone who voted on any slot of the event, each once."""
    voter_ids = Vote.objects.filter(slot__event=event).values("user_id")
    return list(User.objects.filter(pk__in=voter_ids).order_by("id"))


def participant_ids(*, event: Event) -> set[int]:
    """Who may be given an event task: the creator and the voters."""
    ids = set(Vote.objects.filter(slot__event=event).values_list("user_id", flat=True))
    if event.created_by_id is not None:
        ids.add(event.created_by_id)
    return ids


def yes_voters_of(*, slot: Slot) -> list[User]:
    return list(User.objects.filter(event_votes__slot=slot, event_votes__answer="yes").order_by("id"))


def events_due_for_reminder(*, now: datetime, lead: timedelta) -> QuerySet[Event]:
    """Locked events whose slot starts within `lead` from now and whose reminder has not gone out."""
    return Event.objects.filter(
        status=EventStatus.LOCKED,
        reminder_sent_at__isnull=True,
        locked_slot__starts_at__gt=now,
        locked_slot__starts_at__lte=now + lead,
    ).order_by("id")
