"""Reads of conversations: the participant's list (a fixed number of queries), one conversation,
and what notifications need to know about participants."""

from django.db.models import BooleanField, CharField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound

from rooms.models import Membership, Message, ParticipantStatus, Room
from rooms.selectors import MESSAGE_FILES, _unread_count, attach_reactions
from users.models import User

VISIBLE_STATUSES = (ParticipantStatus.ACTIVE, ParticipantStatus.REQUEST)


def conversations_of(user: User, *, status: str | None = None) -> QuerySet[Room]:
    """The user's conversations (not the declined ones), annotated for ConversationSerializer.

    Per page: the rows (my status, mute, unread count, last message id in the same statement), one
    query for the participants and, through attach_last_messages, the last messages with reactions.
    """
    statuses = [status] if status else list(VISIBLE_STATUSES)
    mine = Membership.objects.filter(user=user, status__in=statuses)
    my_membership = Membership.objects.filter(room=OuterRef("pk"), user=user)
    last_message = Message.objects.filter(room=OuterRef("pk")).order_by("-id").values("id")[:1]
    participants = Membership.objects.select_related("user").order_by("id")
    return (
        Room.objects.conversations()
        .filter(pk__in=mine.values("room_id"))
        .annotate(
            my_status=Subquery(my_membership.values("status")[:1], output_field=CharField()),
            my_muted=Subquery(my_membership.values("muted")[:1], output_field=BooleanField()),
            unread_count=_unread_count(user),
            last_message_id=Subquery(last_message),
            activity_at=Coalesce("last_message_at", "created_at"),
        )
        .prefetch_related(Prefetch("memberships", queryset=participants, to_attr="participants"))
    )


def conversation_get(*, conversation_id: int, user: User) -> Room:
    """One of my conversations, annotated; NotFound for everyone else (and for me once I declined it)."""
    room = conversations_of(user).filter(pk=conversation_id).first()
    if room is None:
        raise NotFound("No such conversation.")
    return attach_last_messages([room], viewer_id=user.pk)[0]


def attach_last_messages(rooms: list[Room], *, viewer_id: int) -> list[Room]:
    """Set `room.last_message` for a page of annotated conversations: a fixed number of queries
    (messages, reactions, attachments, previews) for any page size."""
    ids = [room.last_message_id for room in rooms if room.last_message_id]  # type: ignore[attr-defined]  # annotated by conversations_of
    messages = (
        Message.objects.filter(pk__in=ids).select_related("author").prefetch_related(*MESSAGE_FILES) if ids else []
    )
    by_id = {message.pk: message for message in attach_reactions(list(messages), viewer_id=viewer_id)}
    for room in rooms:
        room.last_message = by_id.get(room.last_message_id)  # type: ignore[attr-defined]  # annotated by conversations_of
    return rooms


def conversation_recipients(*, room: Room, exclude_user_id: int | None) -> list[Membership]:
    """Everyone in the conversation but `exclude_user_id` (the author), with status and mute, users attached."""
    memberships = Membership.objects.filter(room=room).select_related("user").order_by("id")
    return [m for m in memberships if m.user_id != exclude_user_id]


def hidden_participant_ids(*, room_id: int) -> set[int]:
    """Participants whose typing, presence and reads the others do not see (a pending request's recipient)."""
    hidden = Membership.objects.filter(room_id=room_id).exclude(status=ParticipantStatus.ACTIVE)
    return set(hidden.values_list("user_id", flat=True))


def unread_conversations_count(*, user: User) -> int:
    """Conversations with messages I have not read (muted and declined ones aside): for e-mail digests."""
    rooms = Room.objects.conversations().filter(
        pk__in=Membership.objects.filter(user=user, status=ParticipantStatus.ACTIVE, muted=False).values("room_id")
    )
    return rooms.annotate(unread=_unread_count(user)).filter(unread__gt=0).count()
