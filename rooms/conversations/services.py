"""Writes of conversations. Messages go through rooms.services.message_post like any room's."""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from codenest.realtime import send_signal_on_commit
from rooms import signals
from rooms.conversations import rules
from rooms.models import Membership, ParticipantStatus, Role, Room, RoomKind
from rooms.services import _announce_removal, message_post
from users.models import User
from users.services import require_verified_email

# A group holds 3-10 people, its starter included.
GROUP_MAX_PARTICIPANTS = 10
TITLE_MAX_LENGTH = 100


def _checked_others(*, starter: User, participants: list[User]) -> list[User]:
    others = list(participants)
    ids = [user.pk for user in others]
    if not others:
        raise ValidationError({"participants": ["Name at least one other person."]})
    if starter.pk in ids:
        raise ValidationError({"participants": ["You take part anyway: do not list yourself."]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"participants": ["List each person once."]})
    if len(others) + 1 > GROUP_MAX_PARTICIPANTS:
        raise ValidationError({"participants": [f"A group has at most {GROUP_MAX_PARTICIPANTS} people, you included."]})
    if any(not user.is_active for user in others):
        raise ValidationError({"participants": ["No such user."]})
    return others


def _new_conversation(*, kind: str, starter: User, title: str = "", direct_key: str | None = None) -> Room:
    return Room.objects.create(
        kind=kind,
        name=title,
        slug=f"conversation-{secrets.token_hex(8)}",
        is_public=False,
        creator=starter,
        direct_key=direct_key,
    )


def _add_participants(room: Room, starter: User, others: list[User]) -> list[User]:
    """Create the memberships; return those for whom the conversation is a message request."""
    statuses = {user.pk: rules.initial_status(starter=starter, recipient=user) for user in others}
    Membership.objects.bulk_create(
        [Membership(room=room, user=starter, role=Role.MEMBER, status=ParticipantStatus.ACTIVE)]
        + [Membership(room=room, user=user, role=Role.MEMBER, status=statuses[user.pk]) for user in others]
    )
    return [user for user in others if statuses[user.pk] == ParticipantStatus.REQUEST]


def _announce_start(room: Room, starter: User, requested: list[User]) -> None:
    send_signal_on_commit(
        signals.conversation_started, sender=Room, room=room, starter=starter, requested_users=requested
    )


def _direct_with(*, starter: User, other: User) -> tuple[Room, bool]:
    """The pair's one direct conversation: the existing one, or a new one (the unique key settles races)."""
    key = Room.direct_key_for(starter.pk, other.pk)
    existing = Room.objects.filter(direct_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            room = _new_conversation(kind=RoomKind.DIRECT, starter=starter, direct_key=key)
            requested = _add_participants(room, starter, [other])
    except IntegrityError:  # the other started it at the same moment: theirs stands
        return Room.objects.get(direct_key=key), False
    _announce_start(room, starter, requested)
    return room, True


def _rejoin_as_starter(room: Room, starter: User) -> None:
    """Starting an existing direct conversation again means wanting it: a request or a declined one
    becomes active for the one who starts it."""
    membership = Membership.objects.select_for_update().filter(room=room, user=starter).first()
    if membership is not None:
        rules.participant_set_status(membership, ParticipantStatus.ACTIVE)


@transaction.atomic
def conversation_start(
    *,
    starter: User,
    participants: list[User],
    title: str = "",
    content: str | None = None,
    client_id: str | None = None,
) -> tuple[Room, bool]:
    """Start a direct conversation (one other person) or a group (2-9 others). Returns (room, created).

    With one other person the pair's existing direct conversation is returned instead of a new one.
    Blocks and each recipient's dm_policy are checked first; `content` becomes the first message.
    """
    require_verified_email(starter)
    others = _checked_others(starter=starter, participants=participants)
    title = (title or "").strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"title": [f"At most {TITLE_MAX_LENGTH} characters."]})
    if len(others) == 1 and title:
        raise ValidationError({"title": ["A direct conversation has no title."]})
    for other in others:
        rules.require_may_message(sender=starter, recipient=other)
    if len(others) == 1:
        room, created = _direct_with(starter=starter, other=others[0])
        if not created:
            _rejoin_as_starter(room, starter)
    else:
        room, created = _new_conversation(kind=RoomKind.GROUP, starter=starter, title=title), True
        requested = _add_participants(room, starter, others)
        _announce_start(room, starter, requested)
    if content:
        message_post(room=room, author=starter, content=content, client_id=client_id)
    return room, created


def _participant(room: Room, user: User) -> Membership:
    membership = Membership.objects.select_for_update().filter(room=room, user=user).first()
    if membership is None or membership.status == ParticipantStatus.DECLINED:
        raise PermissionDenied("You do not take part in this conversation.")
    return membership


@transaction.atomic
def conversation_update(*, room: Room, user: User, title: str | None = None, muted: bool | None = None) -> Room:
    """A group's title (shared by everyone) and my own mute switch."""
    membership = _participant(room, user)
    if title is not None:
        if room.kind != RoomKind.GROUP:
            raise ValidationError({"title": ["Only a group conversation has a title."]})
        title = title.strip()
        if len(title) > TITLE_MAX_LENGTH:
            raise ValidationError({"title": [f"At most {TITLE_MAX_LENGTH} characters."]})
        if title != room.name:
            room.name = title
            room.save(update_fields=["name"])
    if muted is not None and muted != membership.muted:
        membership.muted = muted
        membership.save(update_fields=["muted"])
    return room


@transaction.atomic
def conversation_accept(*, room: Room, user: User) -> Membership:
    """A message request becomes an ordinary conversation for me (accepting twice is harmless)."""
    membership = _participant(room, user)
    rules.participant_set_status(membership, ParticipantStatus.ACTIVE)
    return membership


@transaction.atomic
def conversation_decline(*, room: Room, user: User) -> None:
    """A message request disappears for me. Nobody else is told: to the starter nothing changes."""
    membership = _participant(room, user)
    if membership.status != ParticipantStatus.REQUEST:
        raise ValidationError({"detail": ["Only a message request can be declined."]})
    rules.participant_set_status(membership, ParticipantStatus.DECLINED)
    _announce_removal(room, user, reason="declined")  # my own open sockets on it close


@transaction.atomic
def conversation_leave(*, room: Room, user: User) -> None:
    """Leave a group; the last one out takes the conversation with them."""
    membership = _participant(room, user)
    if room.kind != RoomKind.GROUP:
        raise ValidationError({"detail": ["Only a group conversation can be left."]})
    membership.delete()
    _announce_removal(room, user, reason="left")
    if not Membership.objects.filter(room=room).exists():
        room.delete()
