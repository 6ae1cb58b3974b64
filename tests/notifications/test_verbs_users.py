"""`follow` notifications from the real follow endpoint; no self-notifications; muted verbs."""

import pytest

from notifications.models import Notification
from tests.factories import NotificationPreferenceFactory, UserFactory

pytestmark = pytest.mark.django_db


def follow_url(user) -> str:
    return f"/api/v1/users/{user.pk}/follow/"


def test_follow_notifies_the_followee(make_client, on_commit):
    follower, followee = UserFactory(), UserFactory()
    with on_commit():
        response = make_client(follower).post(follow_url(followee))
    assert response.status_code == 200
    notification = Notification.objects.get(recipient=followee)
    assert (notification.verb, notification.actor, notification.is_read) == ("follow", follower, False)
    assert (notification.target_type, notification.target_id) == ("user", follower.pk)
    assert notification.link == f"/users/{follower.pk}"
    assert follower.handle in notification.message
    body = make_client(followee).get("/api/v1/notifications/").json()
    assert body["results"][0]["verb"] == "follow"
    assert body["results"][0]["actor"]["id"] == follower.pk
    assert not Notification.objects.filter(recipient=follower).exists()


def test_following_again_does_not_notify_twice(make_client, on_commit):
    follower, followee = UserFactory(), UserFactory()
    client = make_client(follower)
    with on_commit():
        client.post(follow_url(followee))
        client.post(follow_url(followee))
    assert Notification.objects.filter(recipient=followee).count() == 1


def test_following_yourself_notifies_nobody(make_client, on_commit):
    user = UserFactory()
    with on_commit():
        response = make_client(user).post(follow_url(user))
    assert response.status_code == 400
    assert not Notification.objects.exists()


def test_muted_follow_is_not_created(make_client, on_commit):
    follower, followee = UserFactory(), UserFactory()
    NotificationPreferenceFactory(user=followee, muted_verbs=["follow", "mention"])
    with on_commit():
        assert make_client(follower).post(follow_url(followee)).status_code == 200
    assert not Notification.objects.exists()


def test_muting_other_verbs_keeps_follow(make_client, on_commit):
    follower, followee = UserFactory(), UserFactory()
    NotificationPreferenceFactory(user=followee, muted_verbs=["mention"])
    with on_commit():
        make_client(follower).post(follow_url(followee))
    assert Notification.objects.filter(recipient=followee, verb="follow").count() == 1
