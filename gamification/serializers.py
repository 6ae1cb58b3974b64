from rest_framework import serializers

from gamification.models import Badge, UserBadge
from gamification.selectors import METRICS, PERIOD_DAYS
from users.serializers import UserSummarySerializer


class BadgeSerializer(serializers.ModelSerializer):
    awarded_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Badge
        fields = ["code", "name", "description", "icon", "awarded_count"]
        read_only_fields = fields


class EarnedBadgeSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="badge.code", read_only=True)
    name = serializers.CharField(source="badge.name", read_only=True)
    description = serializers.CharField(source="badge.description", read_only=True)
    icon = serializers.CharField(source="badge.icon", read_only=True)

    class Meta:
        model = UserBadge
        fields = ["code", "name", "description", "icon", "awarded_at"]
        read_only_fields = fields


class AchievementSerializer(EarnedBadgeSerializer):
    """One of my badges; `shown_at` is null while the client has not shown it yet."""

    class Meta(EarnedBadgeSerializer.Meta):
        fields = [*EarnedBadgeSerializer.Meta.fields, "shown_at"]
        read_only_fields = fields


class StrictSlugField(serializers.SlugField):
    """A badge code must arrive as a JSON string: 12 or true are type errors, not codes."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MarkShownSerializer(serializers.Serializer):
    badge = StrictSlugField(max_length=50, help_text="The code of an earned badge, e.g. first_post.")


class LeaderboardQuerySerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=METRICS, default="karma")
    period = serializers.ChoiceField(choices=list(PERIOD_DAYS), default="all")
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)


class LeaderboardEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user = UserSummarySerializer()
    value = serializers.IntegerField()
