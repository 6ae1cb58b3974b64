"""Sockets on a real daphne process with the Redis channel layer: idle sockets stay open, hostile frames
get an `error` frame (or a proper close code), never a dropped connection or a dead consumer.

Issue 9: an idle room socket was closed 1011 after ~6 s with `redis.exceptions.TimeoutError: Timeout
reading from ...` in channels_redis's receive; a 10,000-level nested frame closed the socket 1011; a
1 MB frame dropped the connection without a close code.
"""

import asyncio
import json
import time
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import access_token_for
from tests.factories import RoomFactory, UserFactory
from tests.live import daphne_server, redis_url_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 60
SERVER_LOG_FAILURES = ("TimeoutError", "Timeout reading", "took too long to shut down", "Traceback")


@pytest.fixture
def redis_server(tmp_path):
    env = {
        "REDIS_URL": redis_url_or_skip(),
        "CHANNEL_LAYER_PREFIX": f"cn-e2e-idle-{uuid.uuid4().hex[:8]}",
        "CACHE_KEY_PREFIX": f"cn-e2e-idle-{uuid.uuid4().hex[:8]}",
    }
    with daphne_server(tmp_path, **env) as server:
        yield server


async def frames_until(ws, frame_type: str, timeout: float = 10.0) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type:
                return frame


async def hold_idle(ws, seconds: float) -> None:
    """Send nothing for `seconds`; fail if the server closes the socket meanwhile."""
    started = time.monotonic()
    while (left := started + seconds - time.monotonic()) > 0:
        try:
            async with asyncio.timeout(left):
                await ws.recv()  # presence chatter is fine; a close is not
        except TimeoutError:
            return
        except ConnectionClosed as closed:
            pytest.fail(f"idle socket closed after {time.monotonic() - started:.0f}s: {closed.rcvd}")


def _member_setup():
    user = UserFactory()
    return user, RoomFactory(creator=user)  # the creator is the room's owner


@pytest.mark.timeout(IDLE_SECONDS + 60)
def test_idle_room_and_notification_sockets_stay_open_on_redis(redis_server):
    user, room = _member_setup()
    token = access_token_for(user)

    async def scenario():
        # No client keepalive pings: the sockets are truly idle at the protocol level too.
        async with (
            connect(f"{redis_server.ws_url}/ws/rooms/{room.id}/?token={token}", ping_interval=None) as chat,
            connect(f"{redis_server.ws_url}/ws/notifications/?token={token}", ping_interval=None) as inbox,
        ):
            await frames_until(chat, "presence")
            await frames_until(inbox, "unread_count")
            await asyncio.gather(hold_idle(chat, IDLE_SECONDS), hold_idle(inbox, IDLE_SECONDS))
            # Still alive, both ways, through the channel layer.
            await chat.send(json.dumps({"type": "message.send", "content": "still here"}))
            assert (await frames_until(chat, "message.new"))["message"]["content"] == "still here"
            await inbox.send(json.dumps({"type": "ping"}))
            assert await frames_until(inbox, "pong") == {"type": "pong"}

    asyncio.run(scenario())
    log = redis_server.log()
    assert not [word for word in SERVER_LOG_FAILURES if word in log], log[-3000:]


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.timeout(60)
def test_hostile_frames_get_error_frames_and_the_socket_stays_open(redis_server):
    user, room = _member_setup()
    token = access_token_for(user)

    async def scenario():
        async with (
            connect(f"{redis_server.ws_url}/ws/rooms/{room.id}/?token={token}", max_size=None) as chat,
            connect(f"{redis_server.ws_url}/ws/notifications/?token={token}", max_size=None) as inbox,
        ):
            await frames_until(chat, "presence")
            await frames_until(inbox, "unread_count")
            deep_frame = '{"type": "message.send", "content": ' + _deep(10_000) + "}"
            for ws in (chat, inbox):
                for hostile in (
                    _deep(10_000),
                    deep_frame,
                    "x" * 1_000_000,
                    json.dumps({"type": "ping", "pad": "y" * 10**6}),
                ):
                    await ws.send(hostile)
                    error = await frames_until(ws, "error")
                    assert error["code"] == "invalid", error
                await ws.send(json.dumps({"type": "ping"}))
                assert await frames_until(ws, "pong") == {"type": "pong"}

    asyncio.run(scenario())
    assert "Traceback" not in redis_server.log(), redis_server.log()[-3000:]
