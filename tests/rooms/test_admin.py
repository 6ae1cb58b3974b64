"""Moderation through the Django admin: inlines render; archive, delete-messages and ban actions work."""

import pytest

from rooms.models import Ban, Membership, Message, Room
from tests.factories import MembershipFactory, MessageFactory, RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-12345-long", handle="boss"
    )
    client.force_login(admin)
    return client


def test_room_change_page_shows_members_and_messages(staff_client):
    room = RoomFactory()
    MessageFactory(room=room, content="visible in the inline")
    response = staff_client.get(f"/admin/rooms/room/{room.id}/change/")
    assert response.status_code == 200
    assert b"visible in the inline" in response.content
    assert staff_client.get("/admin/rooms/message/").status_code == 200
    assert staff_client.get("/admin/rooms/ban/").status_code == 200


def test_archive_action(staff_client):
    room = RoomFactory()
    response = staff_client.post(
        "/admin/rooms/room/", {"action": "archive_rooms", "_selected_action": [room.id]}, follow=True
    )
    assert response.status_code == 200
    assert Room.objects.get(pk=room.id).is_archived


def test_delete_messages_action_is_soft(staff_client, django_capture_on_commit_callbacks):
    message = MessageFactory(content="rude")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post("/admin/rooms/message/", {"action": "delete_messages", "_selected_action": [message.id]})
    message.refresh_from_db()
    assert message.is_deleted and message.content == ""


def test_ban_actions(staff_client):
    message = MessageFactory()
    author = MembershipFactory(room=message.room).user
    Message.objects.filter(pk=message.pk).update(author=author)
    staff_client.post("/admin/rooms/message/", {"action": "ban_authors", "_selected_action": [message.id]})
    assert Ban.objects.filter(room=message.room, user=author).exists()
    assert not Membership.objects.filter(room=message.room, user=author).exists()
    member = MembershipFactory()
    staff_client.post("/admin/rooms/membership/", {"action": "ban_members", "_selected_action": [member.id]})
    assert Ban.objects.filter(room=member.room, user=member.user).exists()


def test_last_owner_ban_is_refused_with_a_message(staff_client):
    room = RoomFactory()
    owner_membership = Membership.objects.get(room=room)
    response = staff_client.post(
        "/admin/rooms/membership/", {"action": "ban_members", "_selected_action": [owner_membership.id]}, follow=True
    )
    assert response.status_code == 200
    assert not Ban.objects.exists()


def test_demo_seed_is_idempotent():
    from io import StringIO

    from rooms import demo
    from tests.factories import UserFactory

    users = {handle: UserFactory(handle=handle) for handle in ("admin", "alice", "bob", "carol")}
    demo.seed(users=users, stdout=StringIO())
    demo.seed(users=users, stdout=StringIO())
    assert Room.objects.chat_rooms().count() == 3
    assert sorted(Room.objects.conversations().values_list("kind", flat=True)) == ["direct", "group"]
    assert Message.objects.filter(kind="code").count() == 1
