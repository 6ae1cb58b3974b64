"""Input validation and output shapes of rooms and chat (the Room and Message schemas of /api/schema/)."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.output import Row, datetime_data
from api.serializers import id_field
from rooms.models import MESSAGE_MAX_LENGTH, Invite, Membership, Message, MessageKind, Role, Room
from uploads.serializers import LinkPreviewSerializer, UploadIdsField, UploadSerializer
from users.models import User
from users.serializers import UserSummarySerializer, user_summary_data, user_summary_of_row

MAX_TAGS = 10
CLIENT_ID_MAX_LENGTH = 64
EMOJI_MAX_LENGTH = 32


class StrictCharField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF would quietly turn 5 into "5")."""

    default_error_messages = {"invalid": "Not a valid string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- rooms -----------------------------------------------------------------------------------


class RoomSerializer(serializers.ModelSerializer):
    """A room as a viewer sees it; the per-viewer fields come annotated by rooms.selectors."""

    tags = serializers.SerializerMethodField()
    creator = UserSummarySerializer(read_only=True, allow_null=True)
    member_count = serializers.IntegerField(read_only=True)
    is_member = serializers.BooleanField(read_only=True)
    my_role = serializers.CharField(read_only=True, allow_null=True, help_text="owner, moderator, member or null")
    unread_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Room
        fields = [
            "id", "name", "slug", "description", "is_public", "is_archived", "tags", "creator", "member_count",
            "is_member", "my_role", "unread_count", "last_message_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_tags(self, room) -> list[str]:
        return [tag.name for tag in _room_tags(room)]


def _room_tags(room) -> list:
    # rooms.selectors.rooms_with_viewer_fields prefetches them as a list (`tag_list`).
    tags = getattr(room, "tag_list", None)
    return room.tags.all() if tags is None else tags


def room_data(room: Row) -> dict:
    """RoomSerializer's output, written out for the room list (tests/rooms/test_list_output.py holds the
    two to the same bytes)."""
    return {
        "id": room.id,
        "name": room.name,
        "slug": room.slug,
        "description": room.description,
        "is_public": room.is_public,
        "is_archived": room.is_archived,
        "tags": [tag.name for tag in _room_tags(room)],
        "creator": user_summary_data(room.creator),
        "member_count": room.member_count,
        "is_member": room.is_member,
        "my_role": room.my_role,
        "unread_count": room.unread_count,
        "last_message_at": datetime_data(room.last_message_at),
        "created_at": datetime_data(room.created_at),
    }


class TagsField(serializers.ListField):
    child = serializers.SlugField(max_length=40)

    def __init__(self, **kwargs):
        super().__init__(max_length=MAX_TAGS, **kwargs)


class RoomCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_public = serializers.BooleanField(required=False, default=True)
    tags = TagsField(required=False, default=list)


class RoomUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    is_public = serializers.BooleanField(required=False)
    tags = TagsField(required=False)


class JoinSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True)


class MemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Membership
        fields = ["user", "role", "joined_at"]
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


def _active_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise serializers.ValidationError("No such user.")
    return user


class BanCreateSerializer(serializers.Serializer):
    user = id_field()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_user(self, value) -> User:
        return _active_user(value)


class BanSerializer(serializers.Serializer):
    user = UserSummarySerializer(read_only=True)
    reason = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class InviteCreateSerializer(serializers.Serializer):
    expires_in_hours = serializers.IntegerField(min_value=1, max_value=24 * 30, required=False, allow_null=True)
    max_uses = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    user = id_field(required=False, allow_null=True)

    def validate_user(self, value) -> User | None:
        return None if value is None else _active_user(value)


class InviteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invite
        fields = ["code", "room", "expires_at", "max_uses", "uses"]
        read_only_fields = fields


# --- messages --------------------------------------------------------------------------------


class ReactionSummarySerializer(serializers.Serializer):
    emoji = serializers.CharField()
    count = serializers.IntegerField()
    me = serializers.BooleanField()


class MessageSerializer(serializers.ModelSerializer):
    """A message; `reactions` come from `message.reaction_summary` (see selectors.attach_reactions)."""

    author = UserSummarySerializer(read_only=True, allow_null=True)
    attachment = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()
    content = serializers.SerializerMethodField()
    data = serializers.DictField(  # type: ignore[assignment]  # a field named "data"
        read_only=True, allow_null=True, help_text='Facts of a system message, e.g. {"task": {"project", "number"}}.'
    )
    attachments = serializers.SerializerMethodField()
    previews = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id", "room", "author", "kind", "content", "code_language", "attachment", "parent", "reactions",
            "data", "client_id", "created_at", "edited_at", "is_deleted", "attachments", "previews",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(UploadSerializer(many=True))
    def get_attachments(self, message) -> list[dict]:
        if message.is_deleted:
            return []
        return UploadSerializer(sorted(message.attachments.all(), key=lambda u: u.pk), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    @extend_schema_field(LinkPreviewSerializer(many=True))
    def get_previews(self, message) -> list[dict]:
        if message.is_deleted:
            return []
        previews = [p for p in message.previews.all() if p.ok]
        return LinkPreviewSerializer(sorted(previews, key=lambda p: p.pk), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    def get_content(self, message) -> str:
        return "" if message.is_deleted else message.content

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_attachment(self, message) -> str | None:
        if message.is_deleted or not message.attachment:
            return None
        return message.attachment.url

    @extend_schema_field(ReactionSummarySerializer(many=True))
    def get_reactions(self, message) -> list[dict]:
        return list(getattr(message, "reaction_summary", []))


_attachment_field = Message._meta.get_field("attachment")


def message_data(message: dict) -> dict:
    """MessageSerializer's output, written out for the message history from a row of
    rooms.selectors.message_rows completed by message_page_related. tests/rooms/test_list_output.py
    holds the two to the same bytes."""
    deleted = message["is_deleted"]
    attachments = [] if deleted else sorted(message["attachment_list"], key=lambda u: u.pk)
    previews = [] if deleted else sorted((p for p in message["preview_list"] if p.ok), key=lambda p: p.pk)
    data = message["data"]
    attachment = message["attachment"]  # the file's name; FieldFile.url is its storage's url of it
    attachment_url = None if deleted or not attachment else _attachment_field.storage.url(attachment)
    return {
        "id": message["id"],
        "room": message["room_id"],
        "author": user_summary_of_row(message, "author"),
        "kind": message["kind"],
        "content": "" if deleted else message["content"],
        "code_language": message["code_language"],
        "attachment": attachment_url,
        "parent": message["parent_id"],
        "reactions": message["reaction_summary"],
        "data": None if data is None else {str(key): value for key, value in data.items()},
        "client_id": message["client_id"],
        "created_at": datetime_data(message["created_at"]),
        "edited_at": datetime_data(message["edited_at"]),
        "is_deleted": deleted,
        "attachments": UploadSerializer(attachments, many=True).data if attachments else [],
        "previews": LinkPreviewSerializer(previews, many=True).data if previews else [],
    }


class MessageCreateSerializer(serializers.Serializer):
    # May be empty when the message carries attachments (it is then of kind `file`).
    content = StrictCharField(max_length=MESSAGE_MAX_LENGTH, trim_whitespace=False, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=[MessageKind.TEXT, MessageKind.CODE], required=False, default="text")
    code_language = StrictCharField(max_length=30, required=False, allow_blank=True, allow_null=True)
    parent = id_field(required=False, allow_null=True)  # type: ignore[assignment]  # a field named `parent`: the stubs read it as Field.parent
    client_id = StrictCharField(max_length=CLIENT_ID_MAX_LENGTH, required=False, allow_null=True, allow_blank=True)
    attachments = UploadIdsField(help_text="Ids of your own uploads (at most 10).")

    def validate(self, attrs):
        if not attrs.get("attachments") and not (attrs.get("content") or "").strip():
            raise serializers.ValidationError({"content": ["A message needs text or attachments."]})
        attrs.setdefault("content", "")
        return attrs


class MessageEditSerializer(serializers.Serializer):
    content = StrictCharField(max_length=MESSAGE_MAX_LENGTH, trim_whitespace=False)


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.RegexField(r"^\S{1,32}$", max_length=EMOJI_MAX_LENGTH)


class ReadMarkerSerializer(serializers.Serializer):
    message_id = id_field()


class ReadMarkerResultSerializer(serializers.Serializer):
    message_id = serializers.IntegerField()
    unread_count = serializers.IntegerField()


# --- socket payloads -------------------------------------------------------------------------


def plain(data: Any) -> Any:
    """Serializer output as plain JSON types: the Redis channel layer packs events with msgpack."""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def user_summary(user) -> dict | None:
    return plain(UserSummarySerializer(user).data) if user is not None else None


def message_payload(message: Message) -> dict:
    return plain(MessageSerializer(message).data)
