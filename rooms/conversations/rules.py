"""Who may write to whom in a conversation: blocks, `dm_policy` and message requests.

Checked when a conversation starts and again on every send (REST and socket alike go through
rooms.services.message_post), so a block or a changed policy takes effect at once.
"""

from django.core.exceptions import PermissionDenied

from api.exceptions import CodedPermissionDenied
from codenest.realtime import room_group, send_event_on_commit
from rooms.models import Membership, Message, ParticipantStatus, Room, RoomKind
from users import selectors as user_selectors
from users.models import DmPolicy, Follow, User

# Until someone accepts a message request, its starter may send this many messages.
REQUEST_MESSAGE_LIMIT = 3


class RequestPending(CodedPermissionDenied):
    """403 {"detail", "code": "request_pending"}: the starter's messages wait for an acceptance."""

    def __init__(self):
        detail = f"Your message request has not been accepted yet: at most {REQUEST_MESSAGE_LIMIT} messages until then."
        super().__init__(detail, code="request_pending")


def follows(*, follower_id: int, followee_id: int) -> bool:
    return Follow.objects.filter(follower_id=follower_id, followee_id=followee_id).exists()


def refusal(*, sender: User, recipient: User) -> str | None:
    """Why `sender` may not message `recipient` (None when they may)."""
    if user_selectors.is_blocked_between(sender, recipient):
        return "You cannot message this user."
    if recipient.dm_policy == DmPolicy.NOBODY:
        return "This user does not accept direct messages."
    if recipient.dm_policy == DmPolicy.FOLLOWING and not follows(follower_id=recipient.pk, followee_id=sender.pk):
        return "This user accepts direct messages only from people they follow."
    return None


def require_may_message(*, sender: User, recipient: User) -> None:
    reason = refusal(sender=sender, recipient=recipient)
    if reason is not None:
        raise PermissionDenied(reason)


def initial_status(*, starter: User, recipient: User) -> str:
    """A conversation from someone the recipient does not follow arrives as a message request."""
    if follows(follower_id=recipient.pk, followee_id=starter.pk):
        return ParticipantStatus.ACTIVE
    return ParticipantStatus.REQUEST


def is_pending(room: Room) -> bool:
    """No one but the starter has accepted (or been let in by following the starter) yet."""
    return not room.memberships.filter(status=ParticipantStatus.ACTIVE).exclude(user_id=room.creator_id).exists()  # type: ignore[misc]  # conversations have a creator


def check_send(*, room: Room, author: User, membership: Membership) -> None:
    """Run inside message_post's transaction, after the membership check, for conversations only.

    - direct: blocks both ways and the recipient's dm_policy hold on every send, except for replies
      to the one who started the conversation (they asked to talk);
    - a participant who answers a message request accepts it;
    - while a request is pending its starter may send at most REQUEST_MESSAGE_LIMIT messages.
    """
    if room.kind == RoomKind.DIRECT:
        other = room.memberships.exclude(user_id=author.pk).select_related("user").first()
        if other is not None:
            if user_selectors.is_blocked_between(author, other.user):
                raise PermissionDenied("You cannot message this user.")
            if other.user_id != room.creator_id:
                require_may_message(sender=author, recipient=other.user)
    if membership.status == ParticipantStatus.REQUEST:
        participant_set_status(membership, ParticipantStatus.ACTIVE)
        return
    if author.pk == room.creator_id and is_pending(room):
        # Serialise the starter's sends so concurrent ones cannot slip past the limit together.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        if Message.objects.filter(room=room, author=author).count() >= REQUEST_MESSAGE_LIMIT:
            raise RequestPending()


def participant_set_status(membership: Membership, status: str) -> None:
    """Change one participant's status; that room's sockets learn it (to show or hide the participant)."""
    if membership.status == status:
        return
    membership.status = status
    membership.save(update_fields=["status"])
    event = {"type": "room.participant_status", "user_id": membership.user_id, "status": status}
    send_event_on_commit(room_group(membership.room_id), event)
