from rest_framework import serializers

from notifications.models import EmailDigest, Notification, Verb
from users.serializers import UserSummarySerializer


class NotificationSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "actor", "message", "link", "target_type", "target_id", "data", "is_read", "created_at"]
        read_only_fields = fields


class NotificationListQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)


class ReadAllSerializer(UnreadCountSerializer):
    marked = serializers.IntegerField(min_value=0, help_text="How many notifications this call marked read.")


class PreferenceSerializer(serializers.Serializer):
    email_digest = serializers.ChoiceField(choices=EmailDigest.choices, required=False)
    muted_verbs = serializers.ListField(
        child=serializers.ChoiceField(choices=Verb.choices), required=False, max_length=len(Verb.choices)
    )

    def validate_muted_verbs(self, verbs: list[str]) -> list[str]:
        return sorted(set(verbs))


class UnsubscribeQuerySerializer(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class UnsubscribeResultSerializer(serializers.Serializer):
    email_digest = serializers.ChoiceField(choices=EmailDigest.choices)
    detail = serializers.CharField()
