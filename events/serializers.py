"""Input validation and the output shapes of events (the Event and Slot schemas of the API reference).

Output serializers read only what events.selectors.with_details prefetched: counts, voters, my
votes, the participant count and the suggested slot are computed from the prefetched votes, so a
list costs the same queries whatever the number of slots and voters.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import (
    DESCRIPTION_MAX_LENGTH,
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
)
from rooms.serializers import StrictCharField, id_field
from users.serializers import UserSummarySerializer

# --- output ----------------------------------------------------------------------------------


def _votes(slot: Slot) -> list:
    return list(slot.votes.all())


class SlotSerializer(serializers.ModelSerializer):
    yes = serializers.SerializerMethodField()
    maybe = serializers.SerializerMethodField()
    voters = serializers.SerializerMethodField()

    class Meta:
        model = Slot
        fields = ["id", "starts_at", "yes", "maybe", "voters"]
        read_only_fields = fields

    def get_yes(self, slot) -> int:
        return sum(1 for vote in _votes(slot) if vote.answer == Answer.YES)

    def get_maybe(self, slot) -> int:
        return sum(1 for vote in _votes(slot) if vote.answer == Answer.MAYBE)

    @extend_schema_field(UserSummarySerializer(many=True))
    def get_voters(self, slot) -> list[dict]:
        return UserSummarySerializer([vote.user for vote in _votes(slot)], many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList


class EventTaskSerializer(serializers.ModelSerializer):
    assigned_to = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = EventTask
        fields = ["id", "title", "status", "assigned_to", "created_at", "updated_at"]
        read_only_fields = fields


def suggested_slot_of(event: Event, slots: list[Slot], now=None) -> int | None:
    """The locked slot once locked; before that the slot still to come with most yes, then most maybe,
    then the earliest. None when nothing is left to suggest."""
    if event.status == EventStatus.LOCKED:
        return event.locked_slot_id
    if event.status == EventStatus.CANCELLED:
        return None
    now = now or timezone.now()
    candidates = [slot for slot in slots if slot.starts_at > now]
    if not candidates:
        return None

    def rank(slot: Slot):
        votes = _votes(slot)
        yes = sum(1 for vote in votes if vote.answer == Answer.YES)
        return (-yes, -(len(votes) - yes), slot.starts_at, slot.pk)

    return min(candidates, key=rank).pk


class EventSerializer(serializers.ModelSerializer):
    """The Event of the API reference. Pass context={"viewer_id": ...} for `my_votes` (else it is empty)."""

    room = serializers.IntegerField(source="room_id", allow_null=True, read_only=True)
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    slots = SlotSerializer(many=True, read_only=True)
    locked_slot = serializers.IntegerField(source="locked_slot_id", allow_null=True, read_only=True)
    my_votes = serializers.SerializerMethodField()
    participant_count = serializers.SerializerMethodField()
    suggested_slot = serializers.SerializerMethodField()
    tasks = EventTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            "id", "slug", "title", "description", "room", "created_by", "status", "location", "duration_minutes",
            "slots", "locked_slot", "suggested_slot", "my_votes", "participant_count", "tasks", "locked_at",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(
        serializers.DictField(child=serializers.ChoiceField(choices=Answer.choices), help_text="{slot id: answer}")
    )
    def get_my_votes(self, event) -> dict:
        viewer_id = self.context.get("viewer_id")
        if viewer_id is None:
            return {}
        return votes_by_user(event).get(str(viewer_id), {})

    def get_participant_count(self, event) -> int:
        return len(votes_by_user(event))

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_suggested_slot(self, event) -> int | None:
        return suggested_slot_of(event, list(event.slots.all()))


def votes_by_user(event: Event) -> dict[str, dict[str, str]]:
    """{user id: {slot id: answer}} from the prefetched votes (string keys, as in JSON)."""
    answers: dict[str, dict[str, str]] = {}
    for slot in event.slots.all():
        for vote in _votes(slot):
            answers.setdefault(str(vote.user_id), {})[str(slot.pk)] = vote.answer
    return answers


# --- input -----------------------------------------------------------------------------------


class EventFilterSerializer(serializers.Serializer):
    room = id_field(required=False)
    status = serializers.ChoiceField(choices=EventStatus.choices, required=False)
    upcoming = serializers.BooleanField(required=False, default=False)


class EventCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    room = id_field(required=False, allow_null=True)
    location = StrictCharField(max_length=LOCATION_MAX_LENGTH, required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(
        min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES, required=False
    )
    slots = serializers.ListField(
        child=serializers.DateTimeField(), required=False, max_length=MAX_SLOTS_PER_EVENT, help_text="Start times."
    )


class EventUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
    description = StrictCharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, allow_blank=True)
    location = StrictCharField(max_length=LOCATION_MAX_LENGTH, required=False, allow_blank=True)
    duration_minutes = serializers.IntegerField(
        min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES, required=False
    )
    status = serializers.ChoiceField(
        choices=[EventStatus.CANCELLED.value], required=False, help_text='Only "cancelled": cancels the event.'
    )


class SlotCreateSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="ISO 8601; stored in UTC, to the minute.")


class SlotVoteSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Answer.choices)


class LockSerializer(serializers.Serializer):
    slot = id_field()


class EventTaskCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    status = serializers.ChoiceField(choices=EventTaskStatus.choices, required=False)
    assigned_to = id_field(required=False, allow_null=True)


class EventTaskUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
    status = serializers.ChoiceField(choices=EventTaskStatus.choices, required=False)
    assigned_to = id_field(required=False, allow_null=True)
