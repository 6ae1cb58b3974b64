from rest_framework import serializers

from api.output import datetime_data
from notifications.models import EmailDigest, Notification, Verb
from users.serializers import UserSummarySerializer, user_summary_of_row


class NotificationSerializer(serializers.ModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = ["id", "verb", "actor", "message", "link", "target_type", "target_id", "data", "is_read", "created_at"]
        read_only_fields = fields


def notification_data(notification: dict) -> dict:
    """NotificationSerializer's output, written out for the list from a row of
    notifications.selectors.notification_rows (tests/notifications/test_list_output.py holds the two to
    the same bytes)."""
    return {
        "id": notification["id"],
        "verb": notification["verb"],
        "actor": user_summary_of_row(notification, "actor"),
        "message": notification["message"],
        "link": notification["link"],
        "target_type": notification["target_type"],
        "target_id": notification["target_id"],
        "data": notification["data"],
        "is_read": notification["is_read"],
        "created_at": datetime_data(notification["created_at"]),
    }


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
