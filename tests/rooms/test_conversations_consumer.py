"""Conversations on the room socket (/ws/rooms/{id}/) and the notification socket, through the real
ASGI application: participants only (4404 otherwise), the request limit, what a pending request's
starter may not see, declines, and `conversation.message` frames for conversations not open."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from codenest.asgi import application
from rooms.conversations import services as conversation_services
from rooms.models import Message
from rooms.services import message_post
from tests.conftest import access_token_for
from tests.factories import UserFactory
from tests.rooms.test_consumer import (  # noqa: F401 - fixture
    close_of,
    frames_until,
    fresh_layer_and_connections,
    open_socket,
    refusal_code,
    summary,
)
from users.models import Block, Follow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def _world(*, follows: bool):
    ann, ben, cat = UserFactory(handle="ann"), UserFactory(handle="ben"), UserFactory(handle="cat")
    if follows:
        Follow.objects.create(follower=ben, followee=ann)
    room, _ = conversation_services.conversation_start(starter=ann, participants=[ben])
    return room, ann, ben, cat


@pytest.fixture
def direct(db):
    """ann → ben, ben follows ann: an active direct conversation; cat is a third user."""
    return _world(follows=True)


@pytest.fixture
def request_world(db):
    """ann → ben, a stranger: a message request for ben."""
    return _world(follows=False)


async def notification_socket(user) -> WebsocketCommunicator:
    token = await database_sync_to_async(access_token_for)(user)
    socket = WebsocketCommunicator(application, f"/ws/notifications/?token={token}")
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["type"] == "unread_count"
    return socket


async def test_only_participants_connect(request_world):
    room, ann, ben, cat = request_world
    assert await refusal_code(room.id, cat) == 4404
    socket = await open_socket(room.id, ben)  # a pending request's recipient may look
    await socket.disconnect()
    # a declined request is gone for its recipient, socket included
    await database_sync_to_async(conversation_services.conversation_decline)(room=room, user=ben)
    assert await refusal_code(room.id, ben) == 4404
    assert await refusal_code(room.id, cat) == 4404
    socket = await open_socket(room.id, ann)
    await socket.disconnect()


async def test_messages_both_ways_like_a_room(direct):
    room, ann, ben, _ = direct
    ann_socket = await open_socket(room.id, ann)
    ben_socket = await open_socket(room.id, ben)
    await ann_socket.send_json_to({"type": "message.send", "content": "hi ben", "client_id": "a-1"})
    got = (await frames_until(ben_socket, "message.new"))["message"]
    assert got["content"] == "hi ben" and got["author"] == summary(ann) and got["room"] == room.id
    await ben_socket.send_json_to({"type": "message.send", "content": "hi ann"})
    assert (await frames_until(ann_socket, "message.new"))["message"]["content"] == "hi ben"
    assert (await frames_until(ann_socket, "message.new"))["message"]["content"] == "hi ann"
    await ben_socket.send_json_to({"type": "typing", "is_typing": True})
    assert (await frames_until(ann_socket, "typing"))["user"] == summary(ben)
    await ann_socket.disconnect()
    await ben_socket.disconnect()


async def test_fourth_message_before_acceptance_is_an_error_frame(request_world):
    room, ann, _, _ = request_world
    socket = await open_socket(room.id, ann)
    for n in range(3):
        await socket.send_json_to({"type": "message.send", "content": f"m{n}"})
        assert (await frames_until(socket, "message.new"))["message"]["content"] == f"m{n}"
    await socket.send_json_to({"type": "message.send", "content": "m3"})
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == "forbidden" and error["reason"] == "request_pending"
    assert error["detail"] == "Your message request has not been accepted yet: at most 3 messages until then."
    assert await database_sync_to_async(Message.objects.filter(room=room).count)() == 3
    await socket.send_json_to({"type": "ping"})  # the socket stays open
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_a_pending_recipient_is_invisible_to_the_starter(request_world):
    room, ann, ben, _ = request_world
    starter = await open_socket(room.id, ann)
    message, _ = await database_sync_to_async(message_post)(room=room, author=ann, content="hello?")
    assert (await starter.receive_json_from())["type"] == "message.new"
    recipient = await open_socket(room.id, ben, expect_presence=False)
    online = (await recipient.receive_json_from())["online"]
    assert {u["handle"] for u in online} == {"ann", "ben"}  # ben sees himself and ann
    await recipient.send_json_to({"type": "typing", "is_typing": True})
    await recipient.send_json_to({"type": "read", "message_id": message.id})
    assert await starter.receive_nothing(timeout=0.5)  # no presence.join, typing or read of ben
    # the starter's own frames reach ben as usual
    await starter.send_json_to({"type": "typing", "is_typing": True})
    assert (await frames_until(recipient, "typing"))["user"] == summary(ann)
    # a fresh socket of the starter does not list ben as online either
    second = await open_socket(room.id, ann, expect_presence=False)
    assert [u["handle"] for u in (await second.receive_json_from())["online"]] == ["ann"]
    await second.disconnect()
    # once ben accepts, ann sees him arrive, and his frames from then on
    await database_sync_to_async(conversation_services.conversation_accept)(room=room, user=ben)
    assert (await frames_until(starter, "presence.join"))["user"] == summary(ben)
    await recipient.send_json_to({"type": "typing", "is_typing": False})
    assert (await frames_until(starter, "typing"))["is_typing"] is False
    await starter.disconnect()
    await recipient.disconnect()


async def test_decline_closes_the_recipients_socket_and_tells_the_starter_nothing(request_world):
    room, ann, ben, _ = request_world
    starter = await open_socket(room.id, ann)
    recipient = await open_socket(room.id, ben)
    await database_sync_to_async(conversation_services.conversation_decline)(room=room, user=ben)
    assert (await close_of(recipient))[0] == 4404
    assert await starter.receive_nothing(timeout=0.5)
    await starter.disconnect()


async def test_notification_socket_carries_messages_of_conversations_not_open(direct):
    room, ann, ben, cat = direct
    ben_notifications = await notification_socket(ben)
    cat_notifications = await notification_socket(cat)
    ann_socket = await open_socket(room.id, ann)
    await ann_socket.send_json_to({"type": "message.send", "content": "ping ben"})
    message = (await frames_until(ann_socket, "message.new"))["message"]
    frame = await frames_until(ben_notifications, "conversation.message")
    assert frame == {"type": "conversation.message", "conversation": room.id, "message": message}
    note = await frames_until(ben_notifications, "notification")
    assert note["notification"]["verb"] == "direct_message"
    assert await cat_notifications.receive_nothing(timeout=0.3)
    # with the conversation open, ben's notification socket stays quiet about it
    ben_socket = await open_socket(room.id, ben)
    await ann_socket.send_json_to({"type": "message.send", "content": "you are here"})
    assert (await frames_until(ben_socket, "message.new"))["message"]["content"] == "you are here"
    frames = []
    while not await ben_notifications.receive_nothing(timeout=0.5):
        frames.append(await ben_notifications.receive_json_from())
    assert "conversation.message" not in {f["type"] for f in frames}
    for socket in (ben_notifications, cat_notifications, ann_socket, ben_socket):
        await socket.disconnect()


async def test_a_block_refuses_socket_sends(direct):
    room, ann, ben, _ = direct
    socket = await open_socket(room.id, ann)
    await database_sync_to_async(Block.objects.create)(blocker=ben, blocked=ann)
    await socket.send_json_to({"type": "message.send", "content": "hello?"})
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert not await database_sync_to_async(Message.objects.filter(room=room).exists)()
    await socket.disconnect()
