"""The room chat socket through the real ASGI application (JWT middleware, routing, channel layer)."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import override_settings

from codenest.asgi import application
from rooms import presence, services
from rooms.models import Ban, Message, Reaction, ReadMarker, Role
from tests.conftest import access_token_for
from tests.factories import MembershipFactory, MessageFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def fresh_layer_and_connections():
    """Each test runs in its own event loop: give it its own channel layer (Redis pools and locks are
    bound to a loop), and close the database thread's connection so PostgreSQL can drop the test DB."""
    channel_layers.backends.clear()
    yield
    for layer in list(channel_layers.backends.values()):
        if hasattr(layer, "close_pools"):
            await layer.close_pools()
    channel_layers.backends.clear()
    await sync_to_async(connections.close_all)()


def summary(user):
    return {"id": user.id, "handle": user.handle, "name": user.name, "avatar": user.avatar}


async def open_socket(room_id, user=None, *, token=None, after=None, expect_presence=True):
    if token is None:
        token = await database_sync_to_async(access_token_for)(user)
    query = f"token={token}"
    if after is not None:
        query += f"&after={after}"
    socket = WebsocketCommunicator(application, f"/ws/rooms/{room_id}/?{query}")
    connected, _ = await socket.connect()
    assert connected
    if expect_presence and after is None:
        frame = await socket.receive_json_from()
        assert frame["type"] == "presence"
    return socket


async def close_of(socket) -> tuple[int, str]:
    """The close code and reason, skipping frames that were already on their way."""
    output = await socket.receive_output(timeout=3)
    while output["type"] == "websocket.send":
        output = await socket.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    await socket.disconnect()
    return output["code"], output.get("reason", "")


async def refusal(room_id, user=None, **kwargs) -> tuple[int, str]:
    socket = await open_socket(room_id, user, expect_presence=False, **kwargs)
    return await close_of(socket)


async def refusal_code(room_id, user=None, **kwargs) -> int:
    return (await refusal(room_id, user, **kwargs))[0]


async def frames_until(socket, frame_type, timeout=3):
    """Frames up to and including the first of `frame_type` (skipping presence chatter in between)."""
    seen = []
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == frame_type:
            return frame


@pytest.fixture
def chat(db):
    owner = UserFactory(handle="olivia")
    room = RoomFactory(creator=owner, name="Chat", slug="chat")
    member = MembershipFactory(room=room, user=UserFactory(handle="mia")).user
    return room, owner, member


# --- connecting -------------------------------------------------------------------------------


async def test_close_codes(chat):
    room, owner, member = chat
    outsider = await database_sync_to_async(UserFactory)()
    private = await database_sync_to_async(RoomFactory)(is_public=False, creator=owner)
    banned = await database_sync_to_async(UserFactory)()
    await database_sync_to_async(Ban.objects.create)(room=room, user=banned)
    assert await refusal(room.id, token="") == (4401, "Authentication failed: missing token.")
    code, reason = await refusal(room.id, token="not-a-jwt")
    assert code == 4401 and reason.startswith("Authentication failed: ") and "invalid" in reason.lower()
    assert await refusal(424242, member) == (4404, "No such room.")
    assert await refusal(99999999999999999999999999, member) == (4404, "No such room.")
    # A private room looks exactly like a missing one to outsiders, reason included.
    assert await refusal(private.id, outsider) == (4404, "No such room.")
    assert await refusal(room.id, outsider) == (4403, "Not a member of this room: join it first.")
    assert await refusal(room.id, banned) == (4403, "Banned from this room.")


async def test_presence_on_connect_join_and_leave(chat):
    room, owner, member = chat
    first = await open_socket(room.id, owner, expect_presence=False)
    assert await first.receive_json_from() == {"type": "presence", "online": [summary(owner)]}
    second = await open_socket(room.id, member, expect_presence=False)
    online = (await second.receive_json_from())["online"]
    assert sorted(u["handle"] for u in online) == ["mia", "olivia"]
    assert await first.receive_json_from() == {"type": "presence.join", "user": summary(member)}
    await second.disconnect()
    assert await first.receive_json_from() == {"type": "presence.leave", "user": summary(member)}
    assert presence.presence_online(room_id=room.id) == {owner.id}
    await first.disconnect()
    assert presence.presence_online(room_id=room.id) == set()


async def test_second_tab_is_not_a_new_arrival(chat):
    room, owner, member = chat
    watcher = await open_socket(room.id, owner)
    tab1 = await open_socket(room.id, member)
    assert (await watcher.receive_json_from())["type"] == "presence.join"
    tab2 = await open_socket(room.id, member)
    await tab1.disconnect()
    assert await watcher.receive_nothing(timeout=0.3)
    await tab2.disconnect()
    assert (await watcher.receive_json_from())["type"] == "presence.leave"
    await watcher.disconnect()


@override_settings(ROOM_PRESENCE_TTL=0.6)
async def test_a_crashed_process_users_lapse(chat):
    """A connection that stops heart-beating (its process died) drops out and is announced as gone."""
    room, owner, member = chat
    await database_sync_to_async(presence.presence_enter)(room_id=room.id, user_id=member.id, connection="dead.1")
    socket = await open_socket(room.id, owner, expect_presence=False)
    online = (await socket.receive_json_from())["online"]
    assert {u["id"] for u in online} == {owner.id, member.id}
    assert await socket.receive_json_from(timeout=3) == {"type": "presence.leave", "user": summary(member)}
    assert presence.presence_online(room_id=room.id) == {owner.id}
    await socket.disconnect()


# --- messages ---------------------------------------------------------------------------------


async def test_message_send_reaches_everyone_including_the_sender(chat):
    room, owner, member = chat
    sender = await open_socket(room.id, member)
    listener = await open_socket(room.id, owner)
    await sender.receive_json_from()  # owner's presence.join
    await sender.send_json_to({"type": "message.send", "content": "hi all", "client_id": "c-1"})
    got_sender = await sender.receive_json_from()
    got_listener = await listener.receive_json_from()
    assert got_sender == got_listener
    assert got_sender["type"] == "message.new"
    message = got_sender["message"]
    assert message["content"] == "hi all" and message["author"] == summary(member) and message["client_id"] == "c-1"
    stored = await database_sync_to_async(Message.objects.get)()
    assert stored.id == message["id"] and stored.author_id == member.id
    await sender.disconnect()
    await listener.disconnect()


async def test_retried_send_returns_same_message_to_sender_only(chat):
    room, owner, member = chat
    sender = await open_socket(room.id, member)
    listener = await open_socket(room.id, owner)
    await sender.receive_json_from()  # presence.join
    frame = {"type": "message.send", "content": "once", "client_id": "dup"}
    await sender.send_json_to(frame)
    first = await sender.receive_json_from()
    await listener.receive_json_from()
    await sender.send_json_to(frame)
    again = await sender.receive_json_from()
    assert again["message"]["id"] == first["message"]["id"]
    assert await listener.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(Message.objects.count)() == 1
    await sender.disconnect()
    await listener.disconnect()


async def test_code_reply_and_rest_post_are_broadcast_alike(chat):
    room, owner, member = chat
    socket = await open_socket(room.id, owner)
    parent = await database_sync_to_async(MessageFactory)(room=room, author=owner)
    await socket.send_json_to({"type": "message.send", "content": "```go\nfmt.Println()\n```", "parent": parent.id})
    code = (await socket.receive_json_from())["message"]
    assert (code["kind"], code["code_language"], code["parent"]) == ("code", "go", parent.id)
    # A REST post (a different code path into the same service) arrives on the socket too.
    await database_sync_to_async(services.message_post)(room=room, author=member, content="via REST")
    frame = await socket.receive_json_from()
    assert frame["type"] == "message.new" and frame["message"]["content"] == "via REST"
    await socket.disconnect()


async def test_edit_and_delete_frames(chat):
    room, owner, member = chat
    author = await open_socket(room.id, member)
    moderator_socket = await open_socket(room.id, owner)
    await author.receive_json_from()  # presence.join
    mine = await database_sync_to_async(MessageFactory)(room=room, author=member, content="teh")
    await author.send_json_to({"type": "message.edit", "id": mine.id, "content": "the"})
    for socket in (author, moderator_socket):
        frame = await socket.receive_json_from()
        assert frame["type"] == "message.updated"
        assert frame["message"]["content"] == "the" and frame["message"]["edited_at"]
    await moderator_socket.send_json_to({"type": "message.edit", "id": mine.id, "content": "hijack"})
    assert (await moderator_socket.receive_json_from())["code"] == "forbidden"
    await moderator_socket.send_json_to({"type": "message.delete", "id": mine.id})
    for socket in (author, moderator_socket):
        assert await socket.receive_json_from() == {"type": "message.deleted", "id": mine.id}
    stored = await database_sync_to_async(Message.objects.get)(pk=mine.id)
    assert stored.is_deleted and stored.content == ""
    await author.disconnect()
    await moderator_socket.disconnect()


async def test_other_rooms_message_ids_are_not_found(chat):
    room, _, member = chat
    foreign = await database_sync_to_async(MessageFactory)(author=member)
    socket = await open_socket(room.id, member)
    for frame in (
        {"type": "message.edit", "id": foreign.id, "content": "x"},
        {"type": "message.delete", "id": foreign.id},
        {"type": "reaction.add", "message_id": foreign.id, "emoji": "👍"},
    ):
        await socket.send_json_to(frame)
        error = await socket.receive_json_from()
        assert error["type"] == "error" and error["code"] == "not_found", error
    await socket.send_json_to({"type": "read", "message_id": foreign.id})
    assert (await socket.receive_json_from())["code"] == "invalid"
    await socket.send_json_to({"type": "message.send", "content": "x", "parent": foreign.id})
    assert (await socket.receive_json_from())["code"] == "invalid"
    foreign = await database_sync_to_async(Message.objects.get)(pk=foreign.id)
    assert foreign.content != "x" and not foreign.is_deleted
    await socket.disconnect()


async def test_error_frames_carry_the_services_messages(chat):
    """Services raise codenest.errors / Django exceptions; the frames say what they said (issue 17)."""
    room, owner, member = chat
    foreign = await database_sync_to_async(MessageFactory)(author=member)
    owners = await database_sync_to_async(MessageFactory)(room=room, author=owner)
    socket = await open_socket(room.id, member)
    await socket.send_json_to({"type": "message.delete", "id": foreign.id})
    not_found = {"type": "error", "code": "not_found", "detail": "No such message in this room."}
    assert await socket.receive_json_from() == not_found
    await socket.send_json_to({"type": "message.edit", "id": owners.id, "content": "x"})
    forbidden = {"type": "error", "code": "forbidden", "detail": "Only the author can edit a message."}
    assert await socket.receive_json_from() == forbidden
    await socket.disconnect()


async def test_typing_is_not_echoed_to_the_sender(chat):
    room, owner, member = chat
    typist = await open_socket(room.id, member)
    reader = await open_socket(room.id, owner)
    await typist.receive_json_from()  # presence.join
    await typist.send_json_to({"type": "typing", "is_typing": True})
    assert await reader.receive_json_from() == {"type": "typing", "user": summary(member), "is_typing": True}
    assert await typist.receive_nothing(timeout=0.3)
    await typist.send_json_to({"type": "typing", "is_typing": "sometimes"})
    assert (await typist.receive_json_from())["code"] == "invalid"
    await typist.disconnect()
    await reader.disconnect()


async def test_read_frame_sets_marker_and_is_broadcast(chat):
    room, owner, member = chat
    message = await database_sync_to_async(MessageFactory)(room=room, author=owner)
    reader = await open_socket(room.id, member)
    await reader.send_json_to({"type": "read", "message_id": message.id})
    assert await reader.receive_json_from() == {"type": "read", "user": summary(member), "message_id": message.id}
    marker = await database_sync_to_async(ReadMarker.objects.get)(user=member)
    assert marker.last_read_id == message.id
    await reader.disconnect()


async def test_reaction_frames(chat):
    room, owner, member = chat
    message = await database_sync_to_async(MessageFactory)(room=room, author=owner)
    socket = await open_socket(room.id, member)
    await socket.send_json_to({"type": "reaction.add", "message_id": message.id, "emoji": "🎉"})
    assert await socket.receive_json_from() == {
        "type": "reaction",
        "message_id": message.id,
        "emoji": "🎉",
        "user": summary(member),
        "action": "added",
        "count": 1,
    }
    await socket.send_json_to({"type": "reaction.remove", "message_id": message.id, "emoji": "🎉"})
    frame = await socket.receive_json_from()
    assert (frame["action"], frame["count"]) == ("removed", 0)
    assert not await database_sync_to_async(Reaction.objects.exists)()
    await socket.send_json_to({"type": "reaction.add", "message_id": message.id, "emoji": ""})
    assert (await socket.receive_json_from())["code"] == "invalid"
    await socket.disconnect()


async def test_updated_message_marks_my_reactions(chat):
    room, owner, member = chat
    message = await database_sync_to_async(MessageFactory)(room=room, author=member)
    await database_sync_to_async(Reaction.objects.create)(message=message, user=owner, emoji="👍")
    owner_socket = await open_socket(room.id, owner)
    member_socket = await open_socket(room.id, member)
    await owner_socket.receive_json_from()  # presence.join
    await member_socket.send_json_to({"type": "message.edit", "id": message.id, "content": "edited"})
    owner_view = (await owner_socket.receive_json_from())["message"]["reactions"]
    member_view = (await member_socket.receive_json_from())["message"]["reactions"]
    assert owner_view == [{"emoji": "👍", "count": 1, "me": True}]
    assert member_view == [{"emoji": "👍", "count": 1, "me": False}]
    await owner_socket.disconnect()
    await member_socket.disconnect()


async def test_ping_pong(chat):
    room, owner, _ = chat
    socket = await open_socket(room.id, owner)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


# --- history replay ---------------------------------------------------------------------------


async def test_history_replay_after_an_id(chat):
    room, owner, member = chat
    messages = [await database_sync_to_async(MessageFactory)(room=room, author=owner) for _ in range(4)]
    socket = await open_socket(room.id, member, after=messages[1].id)
    history = await socket.receive_json_from()
    assert history["type"] == "history"
    assert [m["id"] for m in history["messages"]] == [messages[2].id, messages[3].id]
    assert (await socket.receive_json_from())["type"] == "presence"
    await socket.disconnect()


async def test_history_is_capped_and_empty_when_up_to_date(chat):
    room, owner, member = chat
    await database_sync_to_async(MessageFactory.create_batch)(105, room=room, author=owner)
    socket = await open_socket(room.id, member, after=0)
    history = await socket.receive_json_from()
    assert len(history["messages"]) == 100
    assert history["messages"] == sorted(history["messages"], key=lambda m: m["id"])
    await socket.disconnect()
    latest = history["messages"][-1]["id"] + 5
    socket = await open_socket(room.id, member, after=latest)
    assert await socket.receive_json_from() == {"type": "history", "messages": []}
    await socket.disconnect()


@pytest.mark.parametrize("after", ["abc", "-1", "%C2%B2"])  # %C2%B2 is "²": isdigit() but not int()
async def test_history_replay_ignores_a_malformed_after(chat, after):
    room, owner, member = chat
    await database_sync_to_async(MessageFactory)(room=room, author=owner)
    socket = await open_socket(room.id, member, after=after)
    assert (await socket.receive_json_from())["type"] == "presence"  # no history frame, no 500
    await socket.disconnect()


# --- errors keep the socket open ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, code",
    [
        ("{not json", "invalid"),
        ("[1, 2]", "invalid"),
        ('"text"', "invalid"),
        ('{"no": "type"}', "invalid"),
        ('{"type": 5}', "invalid"),
        ('{"type": "explode"}', "invalid"),
        ('{"type": "message.send"}', "invalid"),
        ('{"type": "message.send", "content": ""}', "invalid"),
        ('{"type": "message.send", "content": 42}', "invalid"),
        ('{"type": "message.send", "content": "x", "kind": "system"}', "invalid"),
        ('{"type": "message.edit", "id": "x", "content": "y"}', "invalid"),
        ('{"type": "message.delete", "id": -4}', "invalid"),
        ('{"type": "message.delete", "id": 424242}', "not_found"),
        ('{"type": "read", "message_id": 99999999999999999999999}', "invalid"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(chat, raw, code):
    room, owner, _ = chat
    socket = await open_socket(room.id, owner)
    await socket.send_to(text_data=raw)
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_too_long_content_and_oversized_and_binary_frames(chat):
    room, owner, _ = chat
    socket = await open_socket(room.id, owner)
    await socket.send_json_to({"type": "message.send", "content": "x" * 4001})
    assert (await socket.receive_json_from())["code"] == "invalid"
    await socket.send_to(text_data='{"type": "ping", "pad": "' + "p" * 30000 + '"}')
    assert (await socket.receive_json_from())["code"] == "invalid"
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from())["code"] == "invalid"
    await socket.send_json_to({"type": "message.send", "content": "x" * 4000})
    assert (await socket.receive_json_from())["type"] == "message.new"
    assert await database_sync_to_async(Message.objects.count)() == 1
    await socket.disconnect()


@override_settings(RATELIMIT_CHAT="2/m")
async def test_sends_are_rate_limited(chat):
    room, owner, _ = chat
    socket = await open_socket(room.id, owner)
    for n in range(2):
        await socket.send_json_to({"type": "message.send", "content": f"m{n}"})
        assert (await socket.receive_json_from())["type"] == "message.new"
    await socket.send_json_to({"type": "message.send", "content": "one too many"})
    error = await socket.receive_json_from()
    assert error["type"] == "error" and error["code"] == "rate_limited"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    assert await database_sync_to_async(Message.objects.count)() == 2
    await socket.disconnect()


async def test_archived_room_refuses_sends_with_forbidden(chat):
    room, owner, _ = chat
    socket = await open_socket(room.id, owner)
    await database_sync_to_async(services.room_archive)(room=room)
    await socket.send_json_to({"type": "message.send", "content": "hello?"})
    assert (await socket.receive_json_from())["code"] == "forbidden"
    await socket.disconnect()


# --- removal while connected -------------------------------------------------------------------


@pytest.mark.parametrize("how", ["kick", "ban"])
async def test_kicked_or_banned_user_is_disconnected(chat, how):
    room, owner, member = chat
    watcher = await open_socket(room.id, owner)
    victim = await open_socket(room.id, member)
    await watcher.receive_json_from()  # presence.join
    if how == "kick":
        await database_sync_to_async(services.member_kick)(room=room, actor=owner, user=member)
    else:
        await database_sync_to_async(services.member_ban)(room=room, actor=owner, user=member, reason="spam")
    assert await close_of(victim) == (4403, "No longer a member of this room.")
    assert await watcher.receive_json_from() == {"type": "presence.leave", "user": summary(member)}
    assert await refusal_code(room.id, member) == 4403
    await watcher.disconnect()


async def test_leaving_and_room_deletion_close_sockets(chat):
    room, owner, member = chat
    await database_sync_to_async(lambda: MembershipFactory(room=room, user=UserFactory(), role=Role.MEMBER))()
    leaver = await open_socket(room.id, member)
    stayer = await open_socket(room.id, owner)
    await database_sync_to_async(services.room_leave)(room=room, user=member)
    assert await close_of(leaver) == (4403, "No longer a member of this room.")
    await database_sync_to_async(services.room_delete)(room=room, actor=owner)
    assert await frames_until(stayer, "presence.leave")
    assert await close_of(stayer) == (4404, "This room was deleted.")
    await asyncio.sleep(0)
