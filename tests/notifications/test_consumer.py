"""`/ws/notifications/`: auth, unread count on connect, pushes of new notifications and read marks."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from codenest.asgi import application
from codenest.realtime import send_event, user_group
from tests.conftest import access_token_for, client_for
from tests.factories import NotificationFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(30),
    pytest.mark.usefixtures("close_db_connections_after"),
]


async def connect(user=None, token=None) -> WebsocketCommunicator:
    if user is not None:
        token = await sync_to_async(access_token_for)(user)
    path = "/ws/notifications/" + (f"?token={token}" if token is not None else "")
    communicator = WebsocketCommunicator(application, path)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def post(user, path: str):
    return await sync_to_async(lambda: client_for(user).post(path))()


async def test_missing_token_closes_4401():
    communicator = await connect()
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4401,
        "reason": "Authentication failed: missing token.",
    }
    await communicator.disconnect()


async def test_bad_token_closes_4401():
    communicator = await connect(token="not-a-jwt")
    closed = await communicator.receive_output(timeout=5)
    assert closed["code"] == 4401
    assert closed["reason"].startswith("Authentication failed: ") and "invalid" in closed["reason"].lower()
    await communicator.disconnect()


async def test_unread_count_on_connect():
    user = await sync_to_async(UserFactory)()
    await sync_to_async(NotificationFactory.create_batch)(2, recipient=user)
    await sync_to_async(NotificationFactory)(recipient=user, is_read=True)
    communicator = await connect(user)
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 2}
    await communicator.disconnect()


async def test_new_notification_is_pushed_to_every_socket_of_the_recipient_only():
    follower, followee = await sync_to_async(UserFactory)(), await sync_to_async(UserFactory)()
    sockets = [await connect(followee), await connect(followee)]
    bystander = await connect(follower)
    for socket in [*sockets, bystander]:
        assert (await socket.receive_json_from(timeout=5))["type"] == "unread_count"

    response = await post(follower, f"/api/v1/users/{followee.pk}/follow/")
    assert response.status_code == 200

    for socket in sockets:
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "notification"
        notification = frame["notification"]
        assert notification["verb"] == "follow"
        assert notification["actor"] == {
            "id": follower.pk,
            "handle": follower.handle,
            "name": follower.name,
            "avatar": "",
        }
        assert notification["is_read"] is False
        assert {"id", "message", "link", "target_type", "target_id", "created_at"} <= set(notification)
        assert await socket.receive_json_from(timeout=5) == {"type": "unread_count", "count": 1}
    assert await bystander.receive_nothing(timeout=0.3)
    for socket in [*sockets, bystander]:
        await socket.disconnect()


async def test_mark_read_and_read_all_push_the_new_count():
    user = await sync_to_async(UserFactory)()
    first, _second, _third = await sync_to_async(NotificationFactory.create_batch)(3, recipient=user)
    communicator = await connect(user)
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 3}

    assert (await post(user, f"/api/v1/notifications/{first.pk}/read/")).status_code == 200
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 2}

    # Marking an already read notification changes nothing and pushes nothing.
    assert (await post(user, f"/api/v1/notifications/{first.pk}/read/")).status_code == 200
    assert await communicator.receive_nothing(timeout=0.3)

    assert (await post(user, "/api/v1/notifications/read-all/")).status_code == 200
    assert await communicator.receive_json_from(timeout=5) == {"type": "unread_count", "count": 0}
    await communicator.disconnect()


async def test_ping_pong_and_bad_frames_keep_the_socket_open():
    user = await sync_to_async(UserFactory)()
    communicator = await connect(user)
    await communicator.receive_json_from(timeout=5)
    await communicator.send_to(text_data="{broken")
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.send_json_to({"type": "subscribe", "user": 1})
    assert (await communicator.receive_json_from(timeout=5))["type"] == "error"
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()


async def test_events_of_other_apps_on_the_user_group_are_ignored():
    user = await sync_to_async(UserFactory)()
    communicator = await connect(user)
    await communicator.receive_json_from(timeout=5)
    await sync_to_async(send_event)(user_group(user.pk), {"type": "rooms.kicked", "room": 1})
    await asyncio.sleep(0.1)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()
