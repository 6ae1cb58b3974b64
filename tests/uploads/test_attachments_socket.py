"""The chat socket's message.send takes `attachments` like REST does."""

import pytest
from channels.db import database_sync_to_async

from rooms.models import Message
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.rooms.test_consumer import frames_until, fresh_layer_and_connections, open_socket  # noqa: F401
from uploads.models import Upload

pytestmark = pytest.mark.django_db(transaction=True)


def _setup():
    owner = UserFactory(handle="olivia")
    room = RoomFactory(creator=owner, name="Chat", slug="chat", is_public=False)
    member = MembershipFactory(room=room, user=UserFactory(handle="mia")).user
    mine = Upload.objects.create(owner=member, file="x/1", name="a.txt", size=1, content_type="text/plain")
    theirs = Upload.objects.create(owner=owner, file="x/2", name="b.txt", size=1, content_type="text/plain")
    return room, owner, member, mine, theirs


async def test_message_send_with_attachments(media_root):
    room, owner, member, mine, theirs = await database_sync_to_async(_setup)()
    sender = await open_socket(room.id, member)
    listener = await open_socket(room.id, owner)
    await sender.send_json_to({"type": "message.send", "attachments": [mine.pk], "client_id": "f-1"})
    frame = await frames_until(listener, "message.new")
    assert frame["message"]["kind"] == "file" and frame["message"]["content"] == ""
    assert [a["id"] for a in frame["message"]["attachments"]] == [mine.pk]
    assert frame["message"]["attachments"][0]["url"].startswith("http")

    await sender.send_json_to({"type": "message.send", "attachments": [theirs.pk]})
    error = await frames_until(sender, "error")
    assert error["code"] == "invalid" and "attachments" in str(error["detail"])
    await sender.send_json_to({"type": "message.send", "attachments": list(range(1, 12))})
    error = await frames_until(sender, "error")
    assert error["code"] == "invalid"
    assert await database_sync_to_async(Message.objects.count)() == 1
    await sender.disconnect()
    await listener.disconnect()
