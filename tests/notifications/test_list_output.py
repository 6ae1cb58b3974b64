"""The notification list writes its rows with notification_data: the bytes must be the ones
NotificationSerializer and DRF's renderer wrote for the same rows (issue 16)."""

from django.utils import timezone

from notifications.selectors import notification_list
from notifications.serializers import NotificationSerializer
from tests.factories import NotificationFactory, UserFactory
from tests.list_output import AWKWARD_TEXT, assert_response_is_serializer_output


def test_notification_list_bytes_are_the_serializers(user, auth_client):
    NotificationFactory(recipient=user)
    NotificationFactory(recipient=user, actor=None, target_type="", target_id=None, message="system says hi", link="")
    NotificationFactory(recipient=user, message=AWKWARD_TEXT[:300], data={"code": "abc", "nested": {"a": [1, 2.5]}})
    NotificationFactory(recipient=user, is_read=True, verb="comment", data={"post": 7})
    erased = UserFactory(name="Zoë 😀")
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    NotificationFactory(recipient=user, actor=erased)
    NotificationFactory()  # someone else's
    for params in ({}, {"page_size": 2}, {"unread": "true"}):
        response = auth_client.get("/api/v1/notifications/", params)
        assert response.json()["results"]
        rows = {n.pk: n for n in notification_list(user=user)}
        reference = NotificationSerializer([rows[n["id"]] for n in response.json()["results"]], many=True).data
        assert_response_is_serializer_output(response, reference)
