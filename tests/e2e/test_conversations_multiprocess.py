"""Direct messages across two daphne processes sharing one Redis: A talks on process A, B on process B.

Real HTTP and real WebSocket clients: A starts the conversation over REST on A (a message request for
B, who does not follow A), B's notification socket on B hears of it, B accepts over REST on B and
opens the conversation there, messages flow both ways, and while B has the conversation closed his
notification socket carries `conversation.message` frames; a third user is refused (4404) on both.
"""

import asyncio
import json
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import access_token_for
from tests.factories import UserFactory
from tests.live import daphne_server, redis_url_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def api(server, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.http_url}/api/v1/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


async def next_frame(ws, frame_type: str, timeout: float = 10.0) -> dict:
    """The next frame of `frame_type`, skipping others (presence chatter, unread counts)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type:
                return frame


async def first_of_each(ws, *frame_types: str, timeout: float = 10.0) -> dict[str, dict]:
    """The first frame of each type, in whatever order they come."""
    found: dict[str, dict] = {}
    async with asyncio.timeout(timeout):
        while set(found) != set(frame_types):
            frame = json.loads(await ws.recv())
            if frame["type"] in frame_types:
                found.setdefault(frame["type"], frame)
    return found


async def close_code(url: str) -> int:
    async with connect(url) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
    return closed.value.rcvd.code


def test_direct_messages_across_two_processes(tmp_path):
    redis_url = redis_url_or_skip()
    a, b, c = UserFactory(handle="dm_a"), UserFactory(handle="dm_b"), UserFactory(handle="dm_c")
    tokens = {user.handle: access_token_for(user) for user in (a, b, c)}
    prefix = f"e2e-dm-{uuid.uuid4().hex[:8]}"  # apart from other runs sharing this Redis database
    env = {"REDIS_URL": redis_url, "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix}
    with daphne_server(tmp_path, **env) as server_a, daphne_server(tmp_path, **env) as server_b:
        try:
            asyncio.run(scenario(server_a, server_b, b.id, tokens))
        except BaseException:
            print("--- A ---\n", server_a.log()[-4000:], "\n--- B ---\n", server_b.log()[-4000:])
            raise


async def scenario(server_a, server_b, b_id: int, tokens: dict) -> None:
    def room_url(server, who, room_id):
        return f"{server.ws_url}/ws/rooms/{room_id}/?token={tokens[who]}"

    b_inbox = await connect(f"{server_b.ws_url}/ws/notifications/?token={tokens['dm_b']}")
    assert json.loads(await b_inbox.recv()) == {"type": "unread_count", "count": 0}

    # A starts over REST on process A: a message request for B, who hears of it on process B.
    status, conversation = await asyncio.to_thread(
        api, server_a, "POST", "conversations/", tokens["dm_a"], {"participants": [b_id], "content": "hi B"}
    )
    assert status == 201, conversation
    room_id = conversation["id"]
    frames = await first_of_each(b_inbox, "conversation.message", "notification")
    pushed = frames["conversation.message"]
    assert pushed["conversation"] == room_id and pushed["message"]["content"] == "hi B"
    assert pushed["message"] == conversation["last_message"]
    assert frames["notification"]["notification"]["verb"] == "message_request"

    # B accepts over REST on process B and opens the conversation there; A's socket is on process A.
    status, accepted = await asyncio.to_thread(
        api, server_b, "POST", f"conversations/{room_id}/accept/", tokens["dm_b"]
    )
    assert (status, accepted["status"]) == (200, "active")
    a_socket = await connect(room_url(server_a, "dm_a", room_id))
    await next_frame(a_socket, "presence")
    b_socket = await connect(room_url(server_b, "dm_b", room_id))
    await next_frame(b_socket, "presence")

    # A → B and B → A across the processes.
    await a_socket.send(json.dumps({"type": "message.send", "content": "from A", "client_id": "dm-a-1"}))
    on_b = (await next_frame(b_socket, "message.new"))["message"]
    assert on_b["content"] == "from A" and on_b["author"]["handle"] == "dm_a"
    await b_socket.send(json.dumps({"type": "message.send", "content": "from B"}))
    on_a = await next_frame(a_socket, "message.new", timeout=10)
    while on_a["message"]["content"] != "from B":
        on_a = await next_frame(a_socket, "message.new")
    assert on_a["message"]["author"]["handle"] == "dm_b"

    # B closes the conversation: A's next message reaches B's notification socket on process B.
    await b_socket.close()
    await asyncio.sleep(0.5)
    await a_socket.send(json.dumps({"type": "message.send", "content": "are you there?"}))
    while True:
        pushed = await next_frame(b_inbox, "conversation.message")
        if pushed["message"]["content"] == "are you there?":
            break
    assert pushed["conversation"] == room_id and pushed["message"]["author"]["handle"] == "dm_a"

    # B's list (on A this time) shows it first, with the unread messages counted.
    status, listing = await asyncio.to_thread(api, server_a, "GET", "conversations/", tokens["dm_b"])
    assert status == 200
    assert listing["results"][0]["id"] == room_id
    assert listing["results"][0]["last_message"]["content"] == "are you there?"

    # A third user is refused on either process.
    for server in (server_a, server_b):
        assert await close_code(room_url(server, "dm_c", room_id)) == 4404
        status, _ = await asyncio.to_thread(api, server, "GET", f"conversations/{room_id}/", tokens["dm_c"])
        assert status == 404
    await a_socket.close()
    await b_inbox.close()
