"""Defences that the API tests cannot reach: a sender passing too many mentioned users, inactive
recipients; and the admin pages of the app."""

import pytest

from notifications.models import Notification
from rooms import signals as room_signals
from rooms.models import Ban, Message
from tests.factories import MembershipFactory, NotificationFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def announce_message(room, author, mentioned_users):
    message = Message.objects.create(room=room, author=author, content="hello")
    room_signals.message_posted.send(sender=Message, message=message, mentioned_users=mentioned_users)


def test_private_room_mentions_are_narrowed_even_if_the_sender_did_not():
    author, member, outsider = UserFactory(), UserFactory(), UserFactory()
    room = RoomFactory(creator=author, is_public=False)
    MembershipFactory(room=room, user=member)
    announce_message(room, author, [member, outsider, author])
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [member.pk]


def test_banned_users_get_no_mentions_from_a_public_room():
    author, banned, reader = UserFactory(), UserFactory(), UserFactory()
    room = RoomFactory(creator=author, is_public=True)
    Ban.objects.create(room=room, user=banned, banned_by=author)
    announce_message(room, author, [banned, reader])
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [reader.pk]


def test_inactive_users_are_not_notified():
    author, gone = UserFactory(), UserFactory(is_active=False)
    announce_message(RoomFactory(creator=author), author, [gone])
    assert not Notification.objects.exists()


def test_a_broken_signal_payload_does_not_break_the_sender(caplog):
    room_signals.message_posted.send(sender=Message, message=None, mentioned_users=[UserFactory()])
    assert not Notification.objects.exists()
    assert "notify_message_mentions failed" in caplog.text


@pytest.mark.parametrize("model", ["notification", "notificationpreference", "digestlog"])
def test_admin_pages(client, model):
    admin = UserFactory(is_staff=True, is_superuser=True)
    NotificationFactory()
    client.force_login(admin)
    assert client.get(f"/admin/notifications/{model}/").status_code == 200
    assert client.get(f"/admin/notifications/{model}/?q=user").status_code == 200
