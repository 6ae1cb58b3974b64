"""Every write of rooms and chat. REST views, the chat consumer and admin actions all come here.

Each service is one transaction; domain signals and real-time events leave only after commit.
"""

import re
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from codenest.errors import NotFound, conflict_on
from codenest.realtime import room_group, send_event, send_event_on_commit, send_signal_on_commit, user_group
from codenest.services import model_update
from rooms import presence, signals
from rooms.conversations import rules as conversation_rules
from rooms.models import (
    MESSAGE_MAX_LENGTH,
    Ban,
    Invite,
    Membership,
    Message,
    MessageKind,
    ParticipantStatus,
    Reaction,
    ReadMarker,
    Role,
    Room,
    RoomTag,
)
from rooms.permissions import require_member, require_moderator, require_outranks, require_owner
from rooms.selectors import MESSAGE_FILES, attach_reactions, membership_of, mentioned_viewers
from rooms.serializers import message_payload, user_summary
from uploads.previews import links_in, previews_for_text
from uploads.services import uploads_for_attaching
from users.models import User
from users.services import require_verified_email

DEFAULT_INVITE_HOURS = 24 * 7
ROOM_EDITABLE_FIELDS = ("name", "description", "is_public")
POSTABLE_KINDS = (MessageKind.TEXT, MessageKind.CODE)
# The whole message is one fenced block: ```lang\n...\n```
FENCED_BLOCK_RE = re.compile(r"\A\s*```([\w+#.-]{0,30})[ \t]*\n(.*?)\n?```\s*\Z", re.DOTALL)


# --- rooms -----------------------------------------------------------------------------------


# Two rooms named alike at the same moment: the slug chosen for both is taken by the first.
SLUG_RACE = {"rooms_room_slug_key": "Another room with this name was created at the same moment. Try again."}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100].strip("-") or "room"
    slug = base
    while Room.objects.filter(slug=slug).exists():
        slug = f"{base}-{secrets.token_hex(3)}"
    return slug


def _normalize_tags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(slugify(tag)[:40] for tag in tags if slugify(tag)))[:10]


def _set_tags(room: Room, tags: Iterable[str]) -> None:
    wanted = _normalize_tags(tags)
    RoomTag.objects.filter(room=room).exclude(name__in=wanted).delete()
    RoomTag.objects.bulk_create([RoomTag(room=room, name=name) for name in wanted], ignore_conflicts=True)


def _require_active(room: Room) -> None:
    if room.is_archived:
        raise PermissionDenied("This room is archived.")


@transaction.atomic
def room_create(
    *, creator: User, name: str, description: str = "", is_public: bool = True, tags: Iterable[str] = ()
) -> Room:
    require_verified_email(creator)
    name = name.strip()
    if not name:
        raise ValidationError({"name": ["A room needs a name."]})
    with conflict_on(SLUG_RACE):
        room = Room.objects.create(
            name=name, slug=_unique_slug(name), description=description, is_public=is_public, creator=creator
        )
    Membership.objects.create(room=room, user=creator, role=Role.OWNER)
    _set_tags(room, tags)
    send_signal_on_commit(signals.room_created, sender=Room, room=room, creator=creator)
    send_signal_on_commit(signals.room_joined, sender=Room, room=room, user=creator)
    return room


@transaction.atomic
def room_update(*, room: Room, actor: User, data: dict) -> Room:
    require_verified_email(actor)
    require_moderator(membership_of(room=room, user=actor))
    if "name" in data and not data["name"].strip():
        raise ValidationError({"name": ["A room needs a name."]})
    values = {**data, "name": data["name"].strip()} if "name" in data else data
    model_update(instance=room, fields=ROOM_EDITABLE_FIELDS, data=values)
    if "tags" in data:
        _set_tags(room, data["tags"])
    return room


@transaction.atomic
def room_archive(*, room: Room, archived: bool = True) -> Room:
    """Moderation (admin): an archived room stays readable and takes no new messages."""
    room.is_archived = archived
    room.save(update_fields=["is_archived"])
    return room


@transaction.atomic
def room_delete(*, room: Room, actor: User) -> None:
    require_owner(membership_of(room=room, user=actor))
    room_id = room.pk
    room.delete()
    send_event_on_commit(room_group(room_id), {"type": "room.deleted", "room_id": room_id})


# --- membership ------------------------------------------------------------------------------


def _usable_invite(*, room: Room, code: str, user: User) -> Invite | None:
    invite = Invite.objects.select_for_update().filter(room=room, code=code).first()
    if invite is None:
        return None
    expired = invite.expires_at is not None and invite.expires_at <= timezone.now()
    used_up = invite.max_uses is not None and invite.uses >= invite.max_uses
    someone_else = invite.invitee_id is not None and invite.invitee_id != user.pk
    return None if expired or used_up or someone_else else invite


@transaction.atomic
def room_join(*, room: Room, user: User, code: str | None = None) -> Membership:
    """Public rooms take anyone not banned; private rooms need a valid invite (else they stay hidden)."""
    if room.is_conversation:  # conversations have participants, not joiners
        raise NotFound("No such room.")
    existing = membership_of(room=room, user=user)
    if existing is not None:
        return existing
    invite = _usable_invite(room=room, code=code, user=user) if code else None
    if not room.is_public and invite is None:
        raise NotFound("No such room.")
    if Ban.objects.filter(room=room, user=user).exists():
        raise PermissionDenied("You are banned from this room.")
    _require_active(room)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(room=room, user=user, role=Role.MEMBER)
    except IntegrityError:  # a concurrent join of the same user won
        return Membership.objects.get(room=room, user=user)
    if invite is not None:
        Invite.objects.filter(pk=invite.pk).update(uses=F("uses") + 1)
    send_signal_on_commit(signals.room_joined, sender=Room, room=room, user=user)
    return membership


def _is_last_owner(room: Room, membership: Membership) -> bool:
    if membership.role != Role.OWNER:
        return False
    return not Membership.objects.filter(room=room, role=Role.OWNER).exclude(pk=membership.pk).exists()


def _announce_removal(room: Room, user: User, *, reason: str) -> None:
    """Sockets of that user in the room close themselves when they see this."""
    event = {"type": "room.member_removed", "user_id": user.pk, "reason": reason}
    send_event_on_commit(room_group(room.pk), event)


@transaction.atomic
def room_leave(*, room: Room, user: User) -> None:
    membership = membership_of(room=room, user=user)
    if membership is None:
        return
    if _is_last_owner(room, membership):
        raise ValidationError({"detail": ["Hand ownership to another member before leaving: you are the last owner."]})
    membership.delete()
    _announce_removal(room, user, reason="left")
    send_signal_on_commit(signals.room_left, sender=Room, room=room, user=user)


def _target_membership(room: Room, user: User) -> Membership:
    membership = membership_of(room=room, user=user)
    if membership is None:
        raise NotFound("That user is not a member of this room.")
    return membership


@transaction.atomic
def member_set_role(*, room: Room, actor: User, user: User, role: str) -> Membership:
    require_owner(membership_of(room=room, user=actor))
    target = _target_membership(room, user)
    if role not in Role.values:
        raise ValidationError({"role": ["Not a role."]})
    if target.role != role and _is_last_owner(room, target):
        raise ValidationError({"role": ["The room needs an owner: make someone else owner first."]})
    if target.role != role:
        target.role = role
        target.save(update_fields=["role"])
    return target


@transaction.atomic
def member_kick(*, room: Room, actor: User, user: User) -> None:
    actor_membership = require_moderator(membership_of(room=room, user=actor))
    if user.pk == actor.pk:
        raise ValidationError({"detail": ["Use leave to leave a room."]})
    target = _target_membership(room, user)
    require_outranks(actor_membership, target.role)
    target.delete()
    _announce_removal(room, user, reason="kicked")
    send_signal_on_commit(signals.member_removed, sender=Room, room=room, user=user, by=actor, banned=False)


@transaction.atomic
def member_ban(*, room: Room, actor: User, user: User, reason: str = "") -> Ban:
    actor_membership = require_moderator(membership_of(room=room, user=actor))
    if user.pk == actor.pk:
        raise ValidationError({"user": ["You cannot ban yourself."]})
    target = membership_of(room=room, user=user)
    require_outranks(actor_membership, target.role if target else None)
    return _ban(room=room, user=user, by=actor, reason=reason, membership=target)


@transaction.atomic
def member_ban_by_staff(*, room: Room, user: User, staff: User, reason: str = "Banned by site staff.") -> Ban:
    """Moderation from the admin: staff outrank every room role."""
    if not staff.is_staff:
        raise PermissionDenied("Staff only.")
    return _ban(room=room, user=user, by=staff, reason=reason, membership=membership_of(room=room, user=user))


def _ban(*, room: Room, user: User, by: User, reason: str, membership: Membership | None) -> Ban:
    ban, _ = Ban.objects.get_or_create(room=room, user=user, defaults={"banned_by": by, "reason": reason})
    if membership is not None:
        if _is_last_owner(room, membership):
            raise ValidationError({"user": ["The last owner of a room cannot be banned from it."]})
        membership.delete()
    _announce_removal(room, user, reason="banned")
    send_signal_on_commit(signals.member_removed, sender=Room, room=room, user=user, by=by, banned=True)
    return ban


@transaction.atomic
def member_unban(*, room: Room, actor: User, user: User) -> None:
    require_moderator(membership_of(room=room, user=actor))
    deleted, _ = Ban.objects.filter(room=room, user=user).delete()
    if not deleted:
        raise NotFound("That user is not banned here.")


@transaction.atomic
def invite_create(
    *,
    room: Room,
    inviter: User,
    expires_in_hours: int | None = None,
    max_uses: int | None = None,
    invitee: User | None = None,
) -> Invite:
    require_moderator(membership_of(room=room, user=inviter))
    if invitee is not None and Ban.objects.filter(room=room, user=invitee).exists():
        raise ValidationError({"user": ["That user is banned from this room."]})
    hours = expires_in_hours or DEFAULT_INVITE_HOURS
    invite = Invite.objects.create(
        room=room,
        code=secrets.token_urlsafe(16),
        created_by=inviter,
        invitee=invitee,
        expires_at=timezone.now() + timedelta(hours=hours),
        max_uses=max_uses,
    )
    send_signal_on_commit(
        signals.invite_created, sender=Invite, room=room, invite=invite, inviter=inviter, invitee=invitee
    )
    return invite


# --- messages --------------------------------------------------------------------------------


def _check_content(content: str) -> str:
    if not content or not content.strip():
        raise ValidationError({"content": ["A message cannot be empty."]})
    if len(content) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"content": [f"At most {MESSAGE_MAX_LENGTH} characters."]})
    return content


def detect_code_block(content: str) -> tuple[str, str] | None:
    """(language, code) when the whole message is exactly one fenced code block."""
    match = FENCED_BLOCK_RE.match(content)
    if match is None or "```" in match.group(2):
        return None
    return match.group(1).lower(), match.group(2)


def _broadcast_message(message: Message, event_type: str) -> dict:
    attach_reactions([message])
    event = {"type": event_type, "message": message_payload(message), "reactors": message.reactors}  # type: ignore[attr-defined]  # set by attach_reactions
    send_event_on_commit(room_group(message.room_id), event)
    return event


def _push_to_conversation_lists(room: Room, payload: dict) -> None:
    """Participants without this conversation open hear of the message on their notification socket,
    so their conversation list can update (`conversation.message`, docs/websockets.md). Declined: nothing."""
    participants = Membership.objects.filter(room=room).exclude(status=ParticipantStatus.DECLINED)
    participant_ids = list(participants.values_list("user_id", flat=True))
    event = {"type": "conversation.message", "conversation": room.pk, "message": payload}

    def push() -> None:
        with_socket_open = presence.presence_online(room_id=room.pk)
        for user_id in participant_ids:
            if user_id not in with_socket_open:
                send_event(user_group(user_id), event)

    transaction.on_commit(push)


@transaction.atomic
def message_post(
    *,
    room: Room,
    author: User,
    content: str,
    kind: str = MessageKind.TEXT,
    code_language: str | None = "",
    parent: int | Message | None = None,
    client_id: str | None = None,
    data: dict | None = None,
    attachments: list[int] | None = None,
) -> tuple[Message, bool]:
    """Store a message, then broadcast it after commit. Returns (message, created).

    The same `client_id` from the same author returns the stored message and broadcasts nothing.
    `attachments` are ids of the author's own unused uploads (at most 10); a message of files
    alone has kind `file`.
    `data` is for services (a slash command's facts); clients never set it.
    """
    require_verified_email(author)
    if client_id:
        existing = Message.objects.select_related("author").filter(author=author, client_id=client_id).first()
        if existing is not None:
            return _same_client_message(existing, room), False
    membership = require_member(membership_of(room=room, user=author))
    _require_active(room)
    if kind not in POSTABLE_KINDS:
        raise ValidationError({"kind": ["Only text and code messages can be sent."]})
    files = uploads_for_attaching(owner=author, ids=attachments, field="attachments") if attachments else []
    if files and not (content or "").strip():
        kind, content = MessageKind.FILE, ""
    else:
        content = _check_content(content)
    code_language = (code_language or "").strip()[:30]
    fenced = detect_code_block(content) if kind == MessageKind.TEXT and content else None
    if fenced is not None:
        kind, (code_language, content) = MessageKind.CODE, (code_language or fenced[0], fenced[1])
        _check_content(content)
    if room.is_conversation:
        conversation_rules.check_send(room=room, author=author, membership=membership)
    message = Message(
        room=room,
        author=author,
        kind=kind,
        content=content,
        code_language=code_language,
        parent_id=_parent_id(room, parent),
        client_id=client_id or None,
        data=data,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent retry with the same client_id won the race
        existing = Message.objects.select_related("author").get(author=author, client_id=client_id)
        return _same_client_message(existing, room), False
    if files:
        message.attachments.set(files)
    _publish(message)
    _fetch_previews_after_commit(message)
    mentioned = mentioned_viewers(room=room, text=message.content, author_id=message.author_id)
    send_signal_on_commit(signals.message_posted, sender=Message, message=message, mentioned_users=mentioned)
    return message, True


def _fetch_previews_after_commit(message: Message, *, edited: bool = False) -> None:
    if message.kind == MessageKind.TEXT and (links_in(message.content) or edited):
        from rooms.tasks import fetch_message_previews  # tasks import this module

        transaction.on_commit(lambda: fetch_message_previews.delay(message.pk), robust=True)


def message_attach_previews(*, message_id: int) -> Message | None:
    """Previews of the first 3 links of a message, fetched outside any transaction, then attached.

    When they change, the room hears `message.updated`. Safe to retry: the same links give the same
    (cached) previews and no second broadcast.
    """
    content = Message.objects.filter(pk=message_id, is_deleted=False).values_list("content", flat=True).first()
    if content is None:
        return None
    previews = previews_for_text(content)
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.is_deleted or message.content != content:
            return message  # deleted or edited meanwhile: the edit's own task takes over
        if set(message.previews.values_list("pk", flat=True)) == {p.pk for p in previews}:
            return message
        message.previews.set(previews)
        message = Message.objects.select_related("author").prefetch_related(*MESSAGE_FILES).get(pk=message_id)
        _broadcast_message(message, "room.message_updated")
    return message


def _publish(message: Message) -> None:
    Room.objects.filter(pk=message.room_id).update(last_message_at=message.created_at)
    event = _broadcast_message(message, "room.message")
    if message.room.is_conversation:
        _push_to_conversation_lists(message.room, event["message"])


@transaction.atomic
def system_message_post(
    *, room: Room, content: str, data: dict | None = None, client_id: str | None = None
) -> Message | None:
    """A message from the platform itself: `author` null, `kind` system, facts in `data`.

    Only services call this (a slash command, a pushed commit); no client frame or body becomes a
    system message. It is stored and broadcast like any message; an archived room takes none (None).
    `client_id` echoes the id of the command that caused it, so its sender can match the two.
    """
    if room.is_archived:
        return None
    content = content.strip()[:MESSAGE_MAX_LENGTH]
    if not content:
        raise ValueError("A system message needs content.")
    message = Message.objects.create(
        room=room, author=None, kind=MessageKind.SYSTEM, content=content, data=data, client_id=client_id or None
    )
    _publish(message)
    return message


def _same_client_message(existing: Message, room: Room) -> Message:
    if existing.room_id != room.pk:
        raise ValidationError({"client_id": ["This client_id was already used for another room."]})
    return existing


def _parent_id(room: Room, parent: int | Message | None) -> int | None:
    if parent is None:
        return None
    parent_id = parent.pk if isinstance(parent, Message) else parent
    if not Message.objects.filter(room=room, pk=parent_id).exists():
        raise ValidationError({"parent": ["No such message in this room."]})
    return parent_id


def _message_in(room: Room, message_id: int) -> Message:
    message = Message.objects.select_for_update().filter(room=room, pk=message_id).first()
    if message is None:
        raise NotFound("No such message in this room.")
    return message


@transaction.atomic
def message_edit(*, room: Room, editor: User, message_id: int, content: str) -> Message:
    require_verified_email(editor)
    message = _message_in(room, message_id)
    if message.author_id != editor.pk or message.is_deleted:
        raise PermissionDenied("Only the author can edit a message.")
    _require_active(room)
    content = _check_content(content)
    if message.kind == MessageKind.CODE:
        fenced = detect_code_block(content)
        content = fenced[1] if fenced else content
    message.content, message.edited_at = content, timezone.now()
    message.save(update_fields=["content", "edited_at"])
    message.author = editor
    _broadcast_message(message, "room.message_updated")
    _fetch_previews_after_commit(message, edited=True)
    return message


@transaction.atomic
def message_delete(*, room: Room, actor: User, message_id: int) -> Message:
    """Soft: the message keeps its place in the history with its content removed."""
    message = _message_in(room, message_id)
    if message.author_id != actor.pk:
        require_moderator(membership_of(room=room, user=actor))
    return _soft_delete(message)


@transaction.atomic
def message_delete_by_staff(*, message: Message) -> Message:
    """Moderation from the admin: staff are not room members but may remove any message."""
    return _soft_delete(Message.objects.select_for_update().get(pk=message.pk))


def _soft_delete(message: Message) -> Message:
    if not message.is_deleted:
        message.is_deleted, message.content = True, ""
        message.save(update_fields=["is_deleted", "content"])
        Reaction.objects.filter(message=message).delete()
        send_event_on_commit(room_group(message.room_id), {"type": "room.message_deleted", "id": message.pk})
    return message


def _reactable(room: Room, user: User, message_id: int) -> Message:
    require_member(membership_of(room=room, user=user))
    message = Message.objects.filter(room=room, pk=message_id).first()
    if message is None:
        raise NotFound("No such message in this room.")
    if message.is_deleted:
        raise ValidationError({"message_id": ["This message was deleted."]})
    return message


def _broadcast_reaction(message: Message, user: User, emoji: str, action: str) -> int:
    count = Reaction.objects.filter(message=message, emoji=emoji).count()
    event = {
        "type": "room.reaction",
        "message_id": message.pk,
        "emoji": emoji,
        "user": user_summary(user),
        "action": action,
        "count": count,
    }
    send_event_on_commit(room_group(message.room_id), event)
    return count


@transaction.atomic
def reaction_add(*, room: Room, user: User, message_id: int, emoji: str) -> Message:
    message = _reactable(room, user, message_id)
    _, created = Reaction.objects.get_or_create(message=message, user=user, emoji=emoji)
    if created:
        _broadcast_reaction(message, user, emoji, "added")
    return message


@transaction.atomic
def reaction_remove(*, room: Room, user: User, message_id: int, emoji: str) -> Message:
    message = _reactable(room, user, message_id)
    deleted, _ = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
    if deleted:
        _broadcast_reaction(message, user, emoji, "removed")
    return message


@transaction.atomic
def read_marker_set(*, room: Room, user: User, message_id: int) -> ReadMarker:
    """Markers only move forward: a late frame from an old tab cannot un-read newer messages."""
    membership = require_member(membership_of(room=room, user=user))
    if not Message.objects.filter(room=room, pk=message_id).exists():
        raise ValidationError({"message_id": ["No such message in this room."]})
    marker, _ = ReadMarker.objects.select_for_update().get_or_create(room=room, user=user)
    if message_id > marker.last_read_id:
        marker.last_read_id = message_id
        marker.save(update_fields=["last_read_id", "updated_at"])
        # Someone who has not accepted a message request does not show the starter what they read.
        hidden = membership.status != ParticipantStatus.ACTIVE
        event = {"type": "room.read", "user": user_summary(user), "message_id": message_id, "hidden": hidden}
        send_event_on_commit(room_group(room.pk), event)
    return marker
