"""Input and output shapes of conversations (the Conversation schema of the API reference)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.conversations.services import GROUP_MAX_PARTICIPANTS, TITLE_MAX_LENGTH
from rooms.models import MESSAGE_MAX_LENGTH, ParticipantStatus, Room, RoomKind
from rooms.serializers import CLIENT_ID_MAX_LENGTH, MessageSerializer, StrictCharField, id_field
from users.models import User
from users.serializers import UserSummarySerializer


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as one participant sees it; per-viewer fields come from conversations.selectors."""

    kind = serializers.ChoiceField(choices=[RoomKind.DIRECT, RoomKind.GROUP], read_only=True)
    title = serializers.SerializerMethodField()
    participants = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=ParticipantStatus.choices, source="my_status", read_only=True, help_text="the viewer's own"
    )
    muted = serializers.BooleanField(source="my_muted", read_only=True)
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Room
        fields = [
            "id", "kind", "title", "participants", "status", "muted", "last_message", "unread_count",
            "last_message_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_title(self, room) -> str | None:
        return room.name if room.kind == RoomKind.GROUP else None

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_participants(self, room) -> list[dict]:
        return UserSummarySerializer([m.user for m in room.participants], many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    @extend_schema_field(MessageSerializer(allow_null=True))
    def get_last_message(self, room) -> dict | None:
        message = getattr(room, "last_message", None)
        return MessageSerializer(message).data if message is not None else None  # type: ignore[return-value]  # Serializer.data is a dict


class ConversationCreateSerializer(serializers.Serializer):
    participants = serializers.ListField(
        child=id_field(),
        min_length=1,
        max_length=GROUP_MAX_PARTICIPANTS - 1,
        help_text="the others' user ids: one for a direct conversation, 2-9 for a group",
    )
    content = StrictCharField(max_length=MESSAGE_MAX_LENGTH, required=False, allow_blank=True, trim_whitespace=False)
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False, allow_blank=True)
    client_id = StrictCharField(max_length=CLIENT_ID_MAX_LENGTH, required=False, allow_null=True, allow_blank=True)

    def validate_participants(self, ids: list[int]) -> list[User]:
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("List each person once.")
        request = self.context.get("request")
        if request is not None and request.user.pk in ids:
            raise serializers.ValidationError("You take part anyway: do not list yourself.")
        users = {user.pk: user for user in User.objects.filter(pk__in=ids, is_active=True)}
        unknown = [str(pk) for pk in ids if pk not in users]
        if unknown:
            raise serializers.ValidationError(f"No such user: {', '.join(unknown)}.")
        return [users[pk] for pk in ids]


class ConversationUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False, allow_blank=True)
    muted = serializers.BooleanField(required=False)


class ConversationListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[ParticipantStatus.ACTIVE, ParticipantStatus.REQUEST], required=False, allow_blank=True
    )
