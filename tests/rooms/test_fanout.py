"""A room's sockets in one process share one channel-layer subscription (codenest.fanout).

Run against whichever layer the settings give (Redis in CI, the in-memory layer on the embedded
defaults): what is checked is what the layer holds and what the sockets receive.
"""

import asyncio

import pytest
from channels.layers import get_channel_layer

from codenest.fanout import hub_for
from codenest.realtime import room_group
from tests.rooms import test_consumer

pytestmark = pytest.mark.django_db(transaction=True)
# The chat socket tests' set-up: a room with an owner and a member, a fresh layer per event loop.
chat = test_consumer.chat
fresh_layer_and_connections = test_consumer.fresh_layer_and_connections
open_socket = test_consumer.open_socket


async def group_size(group: str) -> int:
    """How many channels the channel layer holds in `group`."""
    layer = get_channel_layer()
    if hasattr(layer, "_group_key"):  # channels_redis: a sorted set per group
        connection = layer.connection(layer.consistent_hash(group))
        return await connection.zcard(layer._group_key(group))
    return len(layer.groups.get(group, {}))


async def settled_group_size(group: str, expected: int) -> int:
    """The group's size once it is `expected` (the last member out drops it in the background), or after 3 s."""
    for _ in range(300):
        size = await group_size(group)
        if size == expected:
            return size
        await asyncio.sleep(0.01)
    return size


class Recorder:
    """A hub member that keeps what it is given (the hub's side of a socket)."""

    def __init__(self, fail: bool = False):
        self.events: list[dict] = []
        self.fail = fail

    async def deliver(self, event):
        self.events.append(event)
        if self.fail:
            raise RuntimeError("this member's socket broke")


async def received(recorder: Recorder, count: int) -> list[dict]:
    for _ in range(200):
        if len(recorder.events) >= count:
            return recorder.events
        await asyncio.sleep(0.01)
    return recorder.events


async def test_a_room_of_many_sockets_is_one_subscription_and_one_frame(chat):
    room, owner, member = chat
    group = room_group(room.id)
    sockets = [await open_socket(room.id, member) for _ in range(30)]  # one user: no presence frames
    sender = await open_socket(room.id, owner)
    for socket in sockets:
        assert (await socket.receive_json_from())["type"] == "presence.join"
    assert await group_size(group) == 1  # the process, not 31 sockets
    await sender.send_json_to({"type": "message.send", "content": "hello all", "client_id": "c1"})
    texts = [(await socket.receive_output(timeout=3))["text"] for socket in sockets]
    assert len(set(texts)) == 1 and '"content": "hello all"' in texts[0]
    for socket in sockets:
        assert await socket.receive_nothing(timeout=0.05)  # exactly once each
    for socket in [*sockets, sender]:
        await socket.disconnect()
    assert await settled_group_size(group, 0) == 0
    assert hub_for(get_channel_layer()).members(group) == []


async def test_hub_members_get_each_event_once_in_order_and_a_broken_one_does_not_stop_the_rest():
    layer = get_channel_layer()
    hub = hub_for(layer)
    broken, first, second = Recorder(fail=True), Recorder(), Recorder()
    for recorder in (broken, first, second):
        await hub.join("room.77", recorder)
    assert await group_size("room.77") == 1
    for number in range(5):
        await layer.group_send("room.77", {"type": "room.typing", "n": number})
    for recorder in (first, second, broken):
        assert [event["n"] for event in await received(recorder, 5)] == [0, 1, 2, 3, 4]
    for recorder in (broken, first, second):
        hub.leave("room.77", recorder)
    assert await settled_group_size("room.77", 0) == 0


async def test_a_group_left_and_joined_again_still_delivers():
    layer = get_channel_layer()
    hub = hub_for(layer)
    before, after = Recorder(), Recorder()
    await hub.join("room.78", before)
    # Leaving and joining at once: the old subscription is dropped while the new one is added.
    hub.leave("room.78", before)
    await hub.join("room.78", after)
    await layer.group_send("room.78", {"type": "room.typing", "n": 1})
    assert [event["n"] for event in await received(after, 1)] == [1]
    assert before.events == []
    assert await settled_group_size("room.78", 1) == 1
    hub.leave("room.78", after)
    assert await settled_group_size("room.78", 0) == 0


async def test_a_message_sent_while_a_socket_connects_comes_after_its_history_once(chat):
    room, owner, member = chat
    sender = await open_socket(room.id, owner)
    posted = []

    async def post_messages():
        for number in range(20):
            await sender.send_json_to({"type": "message.send", "content": f"m{number}", "client_id": f"c{number}"})
            posted.append(number)
            await asyncio.sleep(0.005)

    posting = asyncio.create_task(post_messages())
    await asyncio.sleep(0.02)
    late = await open_socket(room.id, member, after=0)
    await posting
    seen, frames = [], [await late.receive_json_from(timeout=3)]
    assert frames[0]["type"] == "history"
    seen += [m["content"] for m in frames[0]["messages"]]
    assert (await late.receive_json_from(timeout=3))["type"] == "presence"
    while len(seen) < 20:
        frame = await late.receive_json_from(timeout=3)
        assert frame["type"] == "message.new", frame
        seen.append(frame["message"]["content"])
    assert seen == [f"m{number}" for number in range(20)]  # none lost, none twice, in order
    await late.disconnect()
    await sender.disconnect()
