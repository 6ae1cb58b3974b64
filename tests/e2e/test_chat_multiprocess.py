"""Room chat across two real daphne processes sharing one Redis channel layer.

Real WebSocket clients (the `websockets` library) and real HTTP: a message sent through process A
reaches a client of process B; a REST post on B reaches a socket on A; both processes agree on
who is online; after A is killed, its client reconnects to B with ?after= and recovers every
message sent meanwhile, in order and without duplicates, and A's other users lapse from presence.
"""

import asyncio
import json
import urllib.request
import uuid

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import access_token_for
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.live import daphne_server, delete_redis_keys, redis_url_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PRESENCE_TTL = 2  # seconds: short, so A's crashed users lapse quickly


async def next_frame(ws, frame_type: str, timeout: float = 10.0) -> dict:
    """The next frame of `frame_type`, skipping others (presence chatter, typing)."""
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == frame_type:
                return frame


async def quiet_frames(ws, seconds: float) -> list[dict]:
    """Every frame that arrives within `seconds`."""
    frames = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                frames.append(json.loads(await ws.recv()))
    except TimeoutError:
        return frames


def rest_post_message(server, room_id: int, token: str, content: str) -> dict:
    request = urllib.request.Request(
        f"{server.http_url}/api/v1/rooms/{room_id}/messages/",
        data=json.dumps({"content": content}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 201
        return json.loads(response.read())


def handles(frame: dict) -> set[str]:
    return {user["handle"] for user in frame["online"]}


def test_chat_across_two_processes(tmp_path):
    redis_url = redis_url_or_skip()
    alice, bob, carol = UserFactory(handle="alice"), UserFactory(handle="bob"), UserFactory(handle="carol")
    room = RoomFactory(creator=alice, name="Across", slug="across")
    for user in (bob, carol):
        MembershipFactory(room=room, user=user)
    tokens = {user.handle: access_token_for(user) for user in (alice, bob, carol)}
    prefix = f"e2e-chat-{uuid.uuid4().hex[:8]}"  # other runs may share this Redis database
    env = {
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": prefix,
        "CACHE_KEY_PREFIX": prefix,
        "ROOM_PRESENCE_TTL": PRESENCE_TTL,
    }
    try:
        with daphne_server(tmp_path, **env) as server_a, daphne_server(tmp_path, **env) as server_b:
            try:
                asyncio.run(scenario(server_a, server_b, room.id, tokens))
            except BaseException:
                print("--- A ---\n", server_a.log()[-4000:], "\n--- B ---\n", server_b.log()[-4000:])
                raise
    finally:
        delete_redis_keys(redis_url, f"{prefix}*")  # channel layer, cache and presence keys


async def scenario(server_a, server_b, room_id: int, tokens: dict) -> None:
    def url(server, who, after=None):
        query = f"token={tokens[who]}" + (f"&after={after}" if after is not None else "")
        return f"{server.ws_url}/ws/rooms/{room_id}/?{query}"

    alice_a = await connect(url(server_a, "alice"))
    assert handles(await next_frame(alice_a, "presence")) == {"alice"}
    bob_b = await connect(url(server_b, "bob"))
    # Presence lives in Redis: B knows that alice is online on A.
    assert handles(await next_frame(bob_b, "presence")) == {"alice", "bob"}
    assert (await next_frame(alice_a, "presence.join"))["user"]["handle"] == "bob"
    carol_a = await connect(url(server_a, "carol"))
    assert handles(await next_frame(carol_a, "presence")) == {"alice", "bob", "carol"}
    assert (await next_frame(bob_b, "presence.join"))["user"]["handle"] == "carol"
    probe_b = await connect(url(server_b, "carol"))  # a second tab, on the other process
    assert handles(await next_frame(probe_b, "presence")) == {"alice", "bob", "carol"}
    await probe_b.close()

    # A client of A sends; a client of B receives (and the sender gets its own copy).
    await alice_a.send(json.dumps({"type": "message.send", "content": "hello from A", "client_id": "a-1"}))
    on_b = (await next_frame(bob_b, "message.new"))["message"]
    on_a = (await next_frame(alice_a, "message.new"))["message"]
    assert on_b == on_a and on_b["content"] == "hello from A" and on_b["author"]["handle"] == "alice"

    # A REST post on B reaches a socket on A.
    posted = await asyncio.to_thread(rest_post_message, server_b, room_id, tokens["bob"], "REST on B")
    assert (await next_frame(alice_a, "message.new"))["message"] == posted
    assert (await next_frame(bob_b, "message.new"))["message"]["id"] == posted["id"]
    last_seen_by_alice = posted["id"]

    # A dies without a clean shutdown; its clients lose their sockets.
    server_a.kill()
    with pytest.raises(ConnectionClosed):
        await next_frame(alice_a, "never", timeout=5)

    # Meanwhile B's users keep talking, over the socket and over REST.
    sent_meanwhile = []
    for n in range(3):
        await bob_b.send(json.dumps({"type": "message.send", "content": f"missed {n}", "client_id": f"b-{n}"}))
        sent_meanwhile.append((await next_frame(bob_b, "message.new"))["message"]["id"])
    for n in range(2):
        message = await asyncio.to_thread(rest_post_message, server_b, room_id, tokens["bob"], f"missed rest {n}")
        sent_meanwhile.append(message["id"])

    # Alice reconnects to B and recovers exactly what she missed, oldest first.
    alice_b = await connect(url(server_b, "alice", after=last_seen_by_alice))
    history = await next_frame(alice_b, "history")
    assert [m["id"] for m in history["messages"]] == sent_meanwhile
    expected = ["missed 0", "missed 1", "missed 2", "missed rest 0", "missed rest 1"]
    assert [m["content"] for m in history["messages"]] == expected
    assert "alice" in handles(await next_frame(alice_b, "presence"))

    # Carol was only on A: her entry stops being refreshed and lapses; alice stays (live on B).
    leave = await next_frame(bob_b, "presence.leave", timeout=PRESENCE_TTL * 4)
    assert leave["user"]["handle"] == "carol"
    later = await quiet_frames(bob_b, PRESENCE_TTL * 1.5)
    assert not [f for f in later if f["type"] == "presence.leave"], later

    # Live delivery resumes with no duplicate of anything in the history.
    await bob_b.send(json.dumps({"type": "message.send", "content": "after reconnect"}))
    frames = [f for f in await quiet_frames(alice_b, 2) if f["type"] == "message.new"]
    assert [f["message"]["content"] for f in frames] == ["after reconnect"]
    assert frames[0]["message"]["id"] > sent_meanwhile[-1]

    fresh = await connect(url(server_b, "bob"))
    assert handles(await next_frame(fresh, "presence")) == {"alice", "bob"}
    for ws in (fresh, alice_b, bob_b):
        await ws.close()
    for ws in (alice_a, carol_a):
        await ws.close()
