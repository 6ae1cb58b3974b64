"""REST endpoints of notifications: own notifications only, unread filter, read marks, preferences."""

import pytest

from notifications.models import Notification, NotificationPreference
from tests.factories import NotificationFactory, NotificationPreferenceFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
UNREAD_COUNT = "/api/v1/notifications/unread-count/"
READ_ALL = "/api/v1/notifications/read-all/"
PREFERENCES = "/api/v1/notifications/preferences/"
FIELDS = {"id", "verb", "actor", "message", "link", "target_type", "target_id", "data", "is_read", "created_at"}


def read_url(notification_id) -> str:
    return f"/api/v1/notifications/{notification_id}/read/"


class TestList:
    def test_newest_first_with_shape(self, auth_client, user):
        older = NotificationFactory(recipient=user)
        newer = NotificationFactory(recipient=user, verb="mention", message="@x mentioned you")
        response = auth_client.get(LIST)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [n["id"] for n in body["results"]] == [newer.pk, older.pk]
        first = body["results"][0]
        assert set(first) == FIELDS
        assert first["actor"] == {
            "id": newer.actor.pk,
            "handle": newer.actor.handle,
            "name": newer.actor.name,
            "avatar": "",
        }
        assert "email" not in str(body)
        assert first["is_read"] is False

    def test_only_my_notifications(self, auth_client, user):
        mine = NotificationFactory(recipient=user)
        NotificationFactory()
        response = auth_client.get(LIST)
        assert [n["id"] for n in response.json()["results"]] == [mine.pk]

    def test_unread_filter(self, auth_client, user):
        unread = NotificationFactory(recipient=user)
        read = NotificationFactory(recipient=user, is_read=True)
        assert [n["id"] for n in auth_client.get(LIST, {"unread": "true"}).json()["results"]] == [unread.pk]
        assert [n["id"] for n in auth_client.get(LIST, {"unread": "false"}).json()["results"]] == [read.pk]
        assert auth_client.get(LIST).json()["count"] == 2

    def test_bad_unread_value_is_400(self, auth_client):
        response = auth_client.get(LIST, {"unread": "perhaps"})
        assert response.status_code == 400
        assert "unread" in response.json()

    def test_paginated(self, auth_client, user):
        NotificationFactory.create_batch(3, recipient=user)
        body = auth_client.get(LIST, {"page_size": 2}).json()
        assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]

    def test_anonymous_401(self, anon_client):
        assert anon_client.get(LIST).status_code == 401
        assert anon_client.get(UNREAD_COUNT).status_code == 401
        assert anon_client.post(READ_ALL).status_code == 401
        assert anon_client.get(PREFERENCES).status_code == 401

    @pytest.mark.parametrize("how_many", [1, 25])
    def test_fixed_query_count(self, auth_client, user, how_many, django_assert_num_queries):
        for _ in range(how_many):
            NotificationFactory(recipient=user, actor=UserFactory())
        # user (JWT auth) + count + page with actors joined
        with django_assert_num_queries(3):
            response = auth_client.get(LIST, {"page_size": 100})
        assert len(response.json()["results"]) == how_many


class TestUnreadAndRead:
    def test_unread_count(self, auth_client, user):
        NotificationFactory.create_batch(2, recipient=user)
        NotificationFactory(recipient=user, is_read=True)
        NotificationFactory()
        response = auth_client.get(UNREAD_COUNT)
        assert response.status_code == 200
        assert response.json() == {"count": 2}

    def test_mark_read(self, auth_client, user):
        notification = NotificationFactory(recipient=user)
        response = auth_client.post(read_url(notification.pk))
        assert response.status_code == 200
        assert response.json()["is_read"] is True
        notification.refresh_from_db()
        assert notification.is_read
        # idempotent
        assert auth_client.post(read_url(notification.pk)).status_code == 200

    def test_someone_elses_notification_is_404_and_unchanged(self, auth_client):
        other = NotificationFactory()
        response = auth_client.post(read_url(other.pk))
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
        other.refresh_from_db()
        assert other.is_read is False

    @pytest.mark.parametrize("bad_id", ["0", "999999999", "99999999999999999999999"])
    def test_missing_or_huge_id_is_404(self, auth_client, bad_id):
        assert auth_client.post(read_url(bad_id)).status_code == 404

    def test_non_numeric_id_is_404(self, auth_client):
        assert auth_client.post("/api/v1/notifications/abc/read/").status_code == 404

    def test_get_on_read_is_405(self, auth_client, user):
        notification = NotificationFactory(recipient=user)
        assert auth_client.get(read_url(notification.pk)).status_code == 405

    def test_read_all_marks_only_mine(self, auth_client, user):
        NotificationFactory.create_batch(3, recipient=user)
        other = NotificationFactory()
        response = auth_client.post(READ_ALL)
        assert response.status_code == 200
        assert response.json() == {"marked": 3, "count": 0}
        assert not Notification.objects.filter(recipient=user, is_read=False).exists()
        other.refresh_from_db()
        assert other.is_read is False
        assert auth_client.post(READ_ALL).json() == {"marked": 0, "count": 0}


class TestPreferences:
    def test_defaults_without_a_row(self, auth_client, user):
        response = auth_client.get(PREFERENCES)
        assert response.status_code == 200
        assert response.json() == {"email_digest": "off", "muted_verbs": []}
        assert not NotificationPreference.objects.filter(user=user).exists()

    def test_patch(self, auth_client, user):
        response = auth_client.patch(PREFERENCES, {"email_digest": "weekly", "muted_verbs": ["follow", "mention"]})
        assert response.status_code == 200, response.content
        assert response.json() == {"email_digest": "weekly", "muted_verbs": ["follow", "mention"]}
        preference = NotificationPreference.objects.get(user=user)
        assert (preference.email_digest, preference.muted_verbs) == ("weekly", ["follow", "mention"])

    def test_partial_patch_keeps_the_rest(self, auth_client, user):
        NotificationPreferenceFactory(user=user, email_digest="daily", muted_verbs=["follow"])
        response = auth_client.patch(PREFERENCES, {"muted_verbs": ["reply", "reply"]})
        assert response.json() == {"email_digest": "daily", "muted_verbs": ["reply"]}

    @pytest.mark.parametrize(
        "body, field",
        [
            ({"email_digest": "hourly"}, "email_digest"),
            ({"email_digest": 7}, "email_digest"),
            ({"muted_verbs": ["follow", "sneeze"]}, "muted_verbs"),
            ({"muted_verbs": "follow"}, "muted_verbs"),
            ({"muted_verbs": [{"verb": "follow"}]}, "muted_verbs"),
            ({"muted_verbs": ["follow"] * 500}, "muted_verbs"),
        ],
    )
    def test_bad_input_is_400_and_writes_nothing(self, auth_client, user, body, field):
        NotificationPreferenceFactory(user=user, email_digest="daily", muted_verbs=["follow"])
        response = auth_client.patch(PREFERENCES, {**body, "email_digest": body.get("email_digest", "weekly")})
        assert response.status_code == 400
        assert field in response.json()
        preference = NotificationPreference.objects.get(user=user)
        assert (preference.email_digest, preference.muted_verbs) == ("daily", ["follow"])

    def test_malformed_json_is_400(self, auth_client):
        response = auth_client.generic("PATCH", PREFERENCES, "{not json", content_type="application/json")
        assert response.status_code == 400

    def test_put_is_405(self, auth_client):
        assert auth_client.put(PREFERENCES, {"email_digest": "off"}).status_code == 405
