"""After-commit work never breaks a request (issue 9): with a channel layer that fails on every send,
a chat message posted over REST is stored and answered 201, and the callbacks registered after the
failing broadcast still run (the mention notification, the author's streak); the failure is logged.

The failing layer is a real channels_redis layer pointed at a port where no Redis listens.
"""

import logging

import pytest

from gamification.models import ActivityDay
from notifications.models import Notification
from rooms.models import Message
from tests.conftest import client_for
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_LAYER = {
    "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
}


@pytest.fixture
def dead_layer(settings):
    settings.CHANNEL_LAYERS = DEAD_LAYER  # channels rebuilds its layers when the setting changes


def test_a_failing_layer_neither_fails_the_request_nor_skips_later_callbacks(dead_layer, caplog):
    alice, bob = UserFactory(handle="alice9"), UserFactory(handle="bob9")
    room = RoomFactory(creator=alice)
    MembershipFactory(room=room, user=bob)

    with caplog.at_level(logging.ERROR):
        response = client_for(alice).post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "hi @bob9"})

    assert response.status_code == 201, response.content[:500]
    assert Message.objects.filter(room=room, content="hi @bob9").exists()
    assert Notification.objects.filter(recipient=bob, verb="mention").count() == 1  # a later callback
    alice.refresh_from_db()
    assert alice.current_streak == 1 and ActivityDay.objects.filter(user=alice).exists()  # another one
    assert any("127.0.0.1:1" in record.getMessage() or record.exc_info for record in caplog.records)


def test_a_failing_layer_does_not_break_notification_pushes(dead_layer):
    follower, followee = UserFactory(), UserFactory()
    response = client_for(follower).post(f"/api/v1/users/{followee.pk}/follow/")
    assert response.status_code == 200
    assert Notification.objects.filter(recipient=followee, verb="follow").count() == 1
