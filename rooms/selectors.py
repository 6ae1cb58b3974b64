"""Reads of the rooms app that other apps rely on: visibility and membership.

Who may see a room is decided here and nowhere else: room_list_visible_to / room_ids_visible_to for
lists, room_is_visible_to for one room, room_viewers_among for who of some users may see its content.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce

from codenest.errors import NotFound
from listing.rows import CursorRows, linked_instances
from listing.shapes import QueryShapes
from rooms.models import (
    Ban,
    Membership,
    Message,
    ParticipantStatus,
    Reaction,
    ReadMarker,
    Role,
    Room,
    RoomTag,
)
from users.models import User
from users.selectors import user_summary_columns, users_mentioned_in
from users.types import Viewer, is_signed_in

# A message's files and previews: one query each for a whole page of messages.
MESSAGE_FILES = ("attachments", "previews")


def uploads_readable_through_rooms(user: Viewer) -> Q:
    """Uploads attached to messages of the rooms the user belongs to (registered with uploads.access)."""
    return Q(messages__room_id__in=room_ids_taking_part(user))


# Lists and counts of rooms start from Room.objects.chat_rooms() / Membership.objects.in_chat_rooms():
# conversations (direct messages) never appear in them. A participant who declined a conversation
# is no member of it (membership_of, is_room_member), so it is hidden from them everywhere.


def room_list_visible_to(user: Viewer) -> QuerySet[Room]:
    """Public rooms plus the rooms the user belongs to (never conversations)."""
    rooms = Room.objects.chat_rooms()
    if not is_signed_in(user):
        return rooms.filter(is_public=True)
    return rooms.filter(Q(is_public=True) | Q(pk__in=room_ids_of_member(user)))


def room_ids_visible_to(*, user: Viewer) -> QuerySet:
    """A subquery of the ids of room_list_visible_to(user): public rooms plus mine, never conversations."""
    return room_list_visible_to(user).values("pk")


def room_is_visible_to(*, room: Room, user: Viewer) -> bool:
    """May the user see this room or conversation at all (open it, read its page)?

    A conversation is visible to its participants only (a pending request's recipient too, so they can
    answer it; not once declined); a topic room to anyone when public, else to its members.
    """
    if membership_of(room=room, user=user) is not None:
        return True
    return _open_to_non_members(room)


def _open_to_non_members(room: Room) -> bool:
    """Whether a room is seen without a membership: a public topic room, never a conversation."""
    return room.is_public and not room.is_conversation


def room_viewers_among(*, room: Room | None, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who may see content posted in the room: who hears of a mention, a post, a comment.

    Content in no room (a feed post) is seen by everyone. A banned user sees nothing of the room, also
    while still holding a membership (a join that raced the ban). A private room's or a conversation's
    content reaches its active participants only: not a pending or declined request's recipient.
    One query.
    """
    ids = set(user_ids)
    if room is None or not ids:
        return ids
    if room.is_public and not room.is_conversation:
        return ids - set(Ban.objects.filter(room=room, user_id__in=ids).values_list("user_id", flat=True))
    banned = Ban.objects.filter(room=room, user_id=OuterRef("user_id"))
    members = Membership.objects.filter(room=room, user_id__in=ids, status=ParticipantStatus.ACTIVE)
    return set(members.exclude(Exists(banned)).values_list("user_id", flat=True))


def mentioned_viewers(*, room: Room | None, text: str, author_id: int | None) -> list[User]:
    """The users @mentioned in `text` (not its author) who may see it where it is posted."""
    mentioned = users_mentioned_in(text, exclude_id=author_id)
    viewers = room_viewers_among(room=room, user_ids=[user.pk for user in mentioned])
    return [user for user in mentioned if user.pk in viewers]


def room_ids_of_member(user: Viewer) -> QuerySet:
    """A subquery of the ids of the rooms (not conversations) the user belongs to (empty for anonymous users)."""
    if not is_signed_in(user):
        return Membership.objects.none().values("room_id")
    return Membership.objects.in_chat_rooms().filter(user=user).values("room_id")


def room_ids_taking_part(user: Viewer) -> QuerySet:
    """A subquery of the ids of the rooms and conversations the user is in (not declined ones)."""
    if not is_signed_in(user):
        return Membership.objects.none().values("room_id")
    return _memberships(user).values("room_id")


def room_get_for_user(*, room_id: int, user: Viewer) -> Room:
    """The room or conversation if the user may see it; NotFound otherwise (existence is not leaked).

    A conversation is visible to its participants only; a private room to its members.
    """
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("No such room.")
    if not room_is_visible_to(room=room, user=user):
        raise NotFound("No such room.")
    return room


def chat_room_get_for_user(*, room_id: int, user: Viewer) -> Room:
    """A topic room (never a conversation) the user may see: for the rooms/{id}/ endpoints."""
    room = room_get_for_user(room_id=room_id, user=user)
    if room.is_conversation:
        raise NotFound("No such room.")
    return room


def _memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).exclude(status=ParticipantStatus.DECLINED)


def membership_of(*, room: Room, user: Viewer) -> Membership | None:
    if not is_signed_in(user):
        return None
    return _memberships(user).filter(room=room).first()


def is_room_member(*, room_id: int, user: Viewer) -> bool:
    if not is_signed_in(user):
        return False
    return _memberships(user).filter(room_id=room_id).exists()


def is_room_moderator(*, room_id: int, user: Viewer) -> bool:
    if not is_signed_in(user):
        return False
    return Membership.objects.filter(room_id=room_id, user=user, role__in=[Role.OWNER, Role.MODERATOR]).exists()


# --- listing with per-viewer fields ----------------------------------------------------------


def _member_count() -> Coalesce:
    counts = Membership.objects.filter(room=OuterRef("pk")).order_by().values("room").annotate(n=Count("pk"))
    return Coalesce(Subquery(counts.values("n")[:1]), 0)


def _unread_count(user: User) -> Coalesce:
    """Others' live messages after my read marker, counted by the database for every room at once."""
    marker = ReadMarker.objects.filter(room=OuterRef(OuterRef("pk")), user=user).values("last_read_id")[:1]
    unread = (
        Message.objects.filter(room=OuterRef("pk"), is_deleted=False, id__gt=Coalesce(Subquery(marker), 0))
        .exclude(author=user)
        .order_by()
        .values("room")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(unread), 0)


def rooms_with_viewer_fields(queryset: QuerySet[Room], *, user: Viewer) -> QuerySet[Room]:
    """Annotate member_count, is_member, my_role and unread_count; tags and creator come along.

    A fixed number of queries for any number of rooms: the list, plus one for the tags.
    """
    # Tags as a plain list (`tag_list`): no queryset per room, which costs more than the tags themselves.
    tags = Prefetch("tags", to_attr="tag_list")
    rooms = queryset.select_related("creator").prefetch_related(tags).annotate(member_count=_member_count())
    if not is_signed_in(user):
        return rooms.annotate(
            is_member=Value(False), my_role=Value(None, output_field=CharField()), unread_count=Value(0)
        )
    mine = Membership.objects.filter(room=OuterRef("pk"), user=user)
    return rooms.annotate(
        is_member=Exists(mine),
        my_role=Subquery(mine.values("role")[:1]),
        unread_count=Case(When(Exists(mine), then=_unread_count(user)), default=Value(0)),
    )


def room_list(
    *, user: Viewer, tags: list[str] | None = None, search: str | None = None, mine: bool = False
) -> QuerySet[Room]:
    """Public rooms plus mine, newest first; `tags` match any of them."""
    rooms = Room.objects.chat_rooms().filter(pk__in=room_ids_of_member(user)) if mine else room_list_visible_to(user)
    if tags:
        rooms = rooms.filter(pk__in=RoomTag.objects.filter(name__in=tags).values("room_id"))
    if search:
        rooms = rooms.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return rooms_with_viewer_fields(rooms, user=user).order_by("-id")


def room_detail(*, room_id: int, user: Viewer) -> Room:
    chat_room_get_for_user(room_id=room_id, user=user)
    return rooms_with_viewer_fields(Room.objects.filter(pk=room_id), user=user).get()


def room_members(*, room: Room) -> QuerySet[Membership]:
    role_order = Case(When(role=Role.OWNER, then=0), When(role=Role.MODERATOR, then=1), default=2)
    return Membership.objects.filter(room=room).select_related("user").order_by(role_order, "id")


def is_banned(*, room_id: int, user: Viewer) -> bool:
    if not is_signed_in(user):
        return False
    return Ban.objects.filter(room_id=room_id, user=user).exists()


def room_bans(*, room: Room) -> QuerySet[Ban]:
    return Ban.objects.filter(room=room).select_related("user")


# --- messages --------------------------------------------------------------------------------


def room_get_for_member(*, room_id: int, user: Viewer) -> Room:
    """The room for reading its messages: NotFound for hidden rooms, PermissionDenied for non-members."""
    room = room_get_for_user(room_id=room_id, user=user)
    if not is_room_member(room_id=room.pk, user=user):
        raise PermissionDenied("Only members can read this room's messages.")
    return room


_MEMBER_CHECKS = QueryShapes()


def room_check_member(*, room_id: int, user: Viewer) -> Room:
    """room_get_for_member's answer in one statement compiled once per shape (instead of three): the room,
    only its id, for reading its messages; NotFound for hidden rooms, PermissionDenied for non-members."""
    values = {"room": room_id} | ({"user": user.pk} if is_signed_in(user) else {})

    def build(v: dict[str, Any]) -> QuerySet:
        if "user" in v:
            member: Any = Exists(_memberships(User(pk=v["user"])).filter(room=OuterRef("pk")))
        else:
            member = Value(False)
        return Room.objects.filter(pk=v["room"]).values("kind", "is_public", member=member)[:1]

    rows = _MEMBER_CHECKS.rows(("member", is_signed_in(user)), values, build)
    if rows and rows[0]["member"]:
        return Room(pk=room_id)
    # As room_is_visible_to: a non-member sees a public topic room (and may not read it), nothing else.
    if rows and _open_to_non_members(Room(kind=rows[0]["kind"], is_public=rows[0]["is_public"])):
        raise PermissionDenied("Only members can read this room's messages.")
    raise NotFound("No such room.")


def message_history(*, room: Room, before: int | None = None, after: int | None = None) -> QuerySet[Message]:
    """A room's messages, newest first, with their authors (the API's list reads it with message_rows)."""
    messages = Message.objects.filter(room=room).select_related("author")
    if before is not None:
        messages = messages.filter(id__lt=before)
    if after is not None:
        messages = messages.filter(id__gt=after)
    return messages.order_by("-id")


# What rooms.serializers.message_data writes, read as .values() rows (no model instances).
MESSAGE_ROW_FIELDS = (
    "id",
    "room_id",
    "kind",
    "content",
    "code_language",
    "attachment",
    "parent_id",
    "data",
    "client_id",
    "created_at",
    "edited_at",
    "is_deleted",
    *user_summary_columns("author"),
)
_MESSAGE_PAGES = QueryShapes()


def message_rows(*, room: Room, before: int | None = None, after: int | None = None) -> CursorRows:
    """message_history's rows for NewestFirstCursorPagination as MESSAGE_ROW_FIELDS dicts, their SQL
    compiled once per shape (listing.shapes); message_page_related completes a page."""
    bounds = {name: value for name, value in (("before", before), ("after", after)) if value is not None}

    def read(ordering: tuple, lookups: tuple, start: int, stop: int) -> list[dict[str, Any]]:
        values = {"room": room.pk, **bounds} | {f"p{i}": value for i, (_lookup, value) in enumerate(lookups)}

        def build(v: dict[str, Any]) -> QuerySet:
            messages = message_history(room=Room(pk=v["room"]), before=v.get("before"), after=v.get("after"))
            position = {lookup: v[f"p{i}"] for i, (lookup, _value) in enumerate(lookups)}
            return messages.order_by(*ordering).filter(**position).values(*MESSAGE_ROW_FIELDS)[start:stop]

        shape = ("messages", *sorted(bounds), ordering, tuple(lookup for lookup, _value in lookups), start, stop)
        return _MESSAGE_PAGES.rows(shape, values, build)

    return CursorRows(Message, read)


def message_page_related(messages: list[dict[str, Any]], *, viewer_id: int | None) -> list[dict[str, Any]]:
    """Set `attachment_list`, `preview_list` (model instances) and `reaction_summary` on a page of message
    rows, in three statements (the files with a bare cursor: a page's files are usually none)."""
    by_id = {message["id"]: message for message in messages}
    for message in messages:
        message["attachment_list"], message["preview_list"] = [], []
    ids = list(by_id)
    for name, key in (("attachments", "attachment_list"), ("previews", "preview_list")):
        field: Any = Message._meta.get_field(name)
        through = field.remote_field.through._meta.db_table
        for message_id, instance in linked_instances(
            field.related_model, through, field.m2m_reverse_name(), field.m2m_column_name(), ids
        ):
            by_id[message_id][key].append(instance)
    reactors = _reactors_of(ids)
    for message in messages:
        message["reaction_summary"] = _reaction_summary(reactors[message["id"]], viewer_id)
    return messages


def messages_after(*, room_id: int, after: int, limit: int = 100) -> list[Message]:
    """Up to `limit` messages newer than `after`, oldest first: what a reconnecting socket missed."""
    messages = (
        Message.objects.filter(room_id=room_id, id__gt=after)
        .select_related("author")
        .prefetch_related(*MESSAGE_FILES)
        .order_by("id")
    )
    return attach_reactions(list(messages[:limit]))


def message_get(*, room: Room, message_id: int) -> Message:
    message = (
        Message.objects.filter(room=room, pk=message_id)
        .select_related("author")
        .prefetch_related(*MESSAGE_FILES)
        .first()
    )
    if message is None:
        raise NotFound("No such message in this room.")
    return message


def _reactors_of(message_ids: list[int]) -> dict[int, dict[str, list[int]]]:
    """{message id: {emoji: [user ids]}} in one query (every id present, {} for none)."""
    by_message: dict[int, dict[str, list[int]]] = {message_id: {} for message_id in message_ids}
    if by_message:
        rows = Reaction.objects.filter(message_id__in=by_message).order_by("id")
        for message_id, emoji, user_id in rows.values_list("message_id", "emoji", "user_id"):
            by_message[message_id].setdefault(emoji, []).append(user_id)
    return by_message


def _reaction_summary(reactors: dict[str, list[int]], viewer_id: int | None) -> list[dict]:
    return [{"emoji": emoji, "count": len(ids), "me": viewer_id in ids} for emoji, ids in reactors.items()]


def attach_reactions(messages: list[Message], *, viewer_id: int | None = None) -> list[Message]:
    """Set `reaction_summary` ([{emoji, count, me}]) and `reactors` ({emoji: [user ids]}) in one query."""
    by_message = _reactors_of([m.pk for m in messages])
    for message in messages:
        reactors = by_message[message.pk]
        message.reactors = reactors  # type: ignore[attr-defined]  # set for the serializer
        message.reaction_summary = _reaction_summary(reactors, viewer_id)  # type: ignore[attr-defined]  # set for the serializer
    return messages


def unread_count_for(*, room: Room, user: User) -> int:
    last_read = ReadMarker.objects.filter(room=room, user=user).values_list("last_read_id", flat=True).first() or 0
    return Message.objects.filter(room=room, is_deleted=False, id__gt=last_read).exclude(author=user).count()


def users_online(user_ids: Iterable[int]) -> list:
    return list(User.objects.filter(pk__in=list(user_ids), is_active=True).order_by("handle"))
