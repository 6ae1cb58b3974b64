"""Slash commands in room chat: the registry (rooms.commands), /me, and every error path, over the socket
and over REST. /task (registered by projects) is tested in tests/projects/test_chat_actions.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from rooms import commands, services
from rooms.models import Message
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.projects.sockets import call, fresh_layer, next_of, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(fresh_layer.__name__)]


@pytest.fixture
def chat(db):
    owner = UserFactory(handle="olivia")
    room = RoomFactory(creator=owner, name="Chat", slug="chat")
    member = MembershipFactory(room=room, user=UserFactory(handle="mia")).user
    return room, owner, member


@pytest.fixture
def extra_command():
    """Register a throw-away command for one test, then remove it again."""
    added = []

    def add(name, handler, usage="/x"):
        commands.register(name, usage=usage)(handler)
        added.append(name)

    yield add
    for name in added:
        commands._registry.pop(name, None)


async def send(socket, content, **frame):
    await socket.send_json_to({"type": "message.send", "content": content, **frame})


async def test_me_posts_a_third_person_message_to_everyone(chat):
    room, owner, member = chat
    sender, listener = await room_socket(room.pk, member), await room_socket(room.pk, owner)
    await send(sender, "/me  waves at everyone ", client_id="c-me")
    for socket in (sender, listener):
        message = (await next_of(socket, "message.new"))["message"]
        assert (message["kind"], message["content"], message["author"]["handle"]) == (
            "text",
            "mia waves at everyone",
            "mia",
        )
        assert message["data"] == {"command": "me", "by": member.pk, "action": "waves at everyone"}
        assert message["client_id"] == "c-me"
    # A retried frame (same client_id) gives the sender its message back and stores nothing new.
    await send(sender, "/me waves at everyone", client_id="c-me")
    again = await sender.receive_json_from(timeout=5)
    assert again["message"]["id"] == message["id"]
    assert await listener.receive_nothing(timeout=0.3)
    assert await call(Message.objects.count) == 1
    await sender.disconnect()
    await listener.disconnect()


@pytest.mark.parametrize(
    ("content", "detail_part"),
    [
        ("/shrug", "Unknown command /shrug"),
        ("/SHRUG now", "Unknown command /shrug"),
        ("/me", "Usage: /me <action>"),
        ("/me    ", "Usage: /me <action>"),
    ],
)
async def test_command_errors_are_invalid_frames_and_store_nothing(chat, content, detail_part):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await send(socket, content)
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "error" and frame["code"] == "invalid"
    assert detail_part in frame["detail"]["content"][0]
    if "Unknown" in detail_part:
        assert "/me <action>" in frame["detail"]["content"][0]  # the known commands are listed
    assert not await call(Message.objects.exists)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


@pytest.mark.parametrize(
    ("content", "kind", "stored"),
    [
        ("//shrug", "text", "/shrug"),  # escaped
        ("/usr/bin/env is odd", "text", "/usr/bin/env is odd"),  # not shaped like a command
        ("/* comment */", "text", "/* comment */"),
        ("/me waves", "code", "/me waves"),  # code is never a command
    ],
)
async def test_text_that_is_not_a_command_is_posted_as_is(chat, content, kind, stored):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await send(socket, content, kind=kind)
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "message.new" and frame["message"]["content"] == stored
    assert frame["message"]["data"] is None
    await socket.disconnect()


async def test_commands_count_against_the_chat_rate_limit(chat, settings):
    settings.RATELIMIT_CHAT = "2/m"
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await send(socket, "hello")
    assert (await socket.receive_json_from(timeout=5))["type"] == "message.new"
    await send(socket, "/shrug")  # even a failing command counts
    assert (await socket.receive_json_from(timeout=5))["code"] == "invalid"
    await send(socket, "/me waves")
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["type"], frame["code"]) == ("error", "rate_limited")
    assert await call(Message.objects.count) == 1
    await socket.disconnect()


async def test_archived_room_refuses_commands(chat):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await call(services.room_archive, room=room)
    await send(socket, "/me waves")
    assert (await socket.receive_json_from(timeout=5))["code"] == "forbidden"
    await socket.disconnect()


async def test_a_new_command_is_one_function(chat, extra_command):
    room, owner, member = chat

    def roll(ctx):
        return ctx.post_system(f"{ctx.user.handle} rolled {len(ctx.args)}", sides=len(ctx.args))

    extra_command("roll", roll, usage="/roll <text>")
    socket = await room_socket(room.pk, member)
    await send(socket, "/roll abcdef", client_id="r-1")
    message = (await socket.receive_json_from(timeout=5))["message"]
    assert (message["kind"], message["author"], message["content"]) == ("system", None, "mia rolled 6")
    assert message["data"] == {"command": "roll", "by": member.pk, "sides": 6}
    assert message["client_id"] == "r-1"
    # Retried: the first run's system message comes back, nothing runs twice.
    await send(socket, "/roll abcdef", client_id="r-1")
    assert (await socket.receive_json_from(timeout=5))["message"]["id"] == message["id"]
    # Another user's identical client_id is their own command.
    other = await room_socket(room.pk, owner)
    await send(other, "/roll ab", client_id="r-1")
    assert (await other.receive_json_from(timeout=5))["message"]["content"] == "olivia rolled 2"
    assert await call(Message.objects.count) == 2
    await socket.disconnect()
    await other.disconnect()


async def test_a_command_that_fails_halfway_writes_nothing(chat, extra_command):
    room, _, member = chat

    def half(ctx):
        ctx.post_system("first half")
        raise commands.ValidationError({"content": ["second half failed"]})

    extra_command("half", half)
    socket = await room_socket(room.pk, member)
    await send(socket, "/half")
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["code"], frame["detail"]) == ("invalid", {"content": ["second half failed"]})
    assert not await call(Message.objects.exists)
    assert await socket.receive_nothing(timeout=0.3)  # nothing was broadcast either
    await socket.disconnect()


def test_registry_refuses_a_second_owner_of_a_name_and_bad_names(extra_command):
    def me(ctx):
        return None

    with pytest.raises(ImproperlyConfigured, match=r"already registered by rooms\.commands"):
        commands.register("me", usage="/me")(me)
    with pytest.raises(ImproperlyConfigured):
        commands.register("two words", usage="/two words")
    names = [command.name for command in commands.registered_commands()]
    assert {"me", "task"} <= set(names) and names == sorted(names)


def test_rest_runs_commands_like_the_socket(make_client, chat, settings):
    room, _, member = chat
    client = make_client(member)
    url = f"/api/v1/rooms/{room.pk}/messages/"
    response = client.post(url, {"content": "/me reads the docs", "client_id": "m-1"}, format="json")
    assert response.status_code == 201
    assert response.json()["content"] == "mia reads the docs" and response.json()["data"]["command"] == "me"
    assert client.post(url, {"content": "/me reads the docs", "client_id": "m-1"}, format="json").status_code == 200
    unknown = client.post(url, {"content": "/nope"}, format="json")
    assert unknown.status_code == 400 and "Unknown command /nope" in unknown.json()["content"][0]
    assert Message.objects.count() == 1


def test_rest_command_outsiders_and_non_members(make_client, chat):
    room, owner, _ = chat
    private = RoomFactory(creator=owner, is_public=False)
    outsider = make_client(UserFactory())
    assert (
        outsider.post(f"/api/v1/rooms/{private.pk}/messages/", {"content": "/me hi"}, format="json").status_code == 404
    )
    assert outsider.post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "/me hi"}, format="json").status_code == 403
    assert not Message.objects.exists()


async def test_system_messages_cannot_be_edited_by_anyone(chat):
    room, owner, _ = chat
    system = await call(services.system_message_post, room=room, content="note", data={"k": 1})
    socket = await room_socket(room.pk, owner)
    await socket.send_json_to({"type": "message.edit", "id": system.pk, "content": "forged"})
    assert (await socket.receive_json_from(timeout=5))["code"] == "forbidden"
    # A moderator (the owner) may still remove one.
    await socket.send_json_to({"type": "message.delete", "id": system.pk})
    assert await socket.receive_json_from(timeout=5) == {"type": "message.deleted", "id": system.pk}
    await socket.disconnect()


async def test_clients_cannot_send_system_messages(chat):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await send(socket, "I am the system", kind="system", data={"task": 1})
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["type"], frame["code"]) == ("error", "invalid")
    assert not await call(Message.objects.exists)
    await socket.disconnect()


def test_a_command_takes_no_attachments(make_client, chat, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    room, _, member = chat
    client = make_client(member)
    file = SimpleUploadedFile("notes.txt", b"some notes", content_type="text/plain")
    uploaded = client.post("/api/v1/uploads/", {"file": file}, format="multipart")
    assert uploaded.status_code == 201
    body = {"content": "/me shares notes", "attachments": [uploaded.json()["id"]]}
    response = client.post(f"/api/v1/rooms/{room.pk}/messages/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"attachments": ["A slash command takes no attachments."]}
    assert not Message.objects.exists()


async def test_commands_need_a_verified_email_when_it_is_mandatory(chat, settings):
    settings.EMAIL_VERIFICATION = "mandatory"
    room, _, _ = chat
    pending = await call(UserFactory, email_verified=False)
    await call(MembershipFactory, room=room, user=pending)
    socket = await room_socket(room.pk, pending)
    await send(socket, "/me waves")
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["type"], frame["code"]) == ("error", "forbidden") and "Verify your e-mail" in frame["detail"]
    assert not await call(Message.objects.exists)
    await socket.disconnect()


async def test_commands_in_conversations_follow_the_messaging_rules():
    from rooms.conversations.services import conversation_start
    from users.services import block_create

    starter, stranger = await call(UserFactory, handle="sam"), await call(UserFactory, handle="stan")
    # A message request (stan does not follow sam): no commands until stan accepts.
    request, _ = await call(conversation_start, starter=starter, participants=[stranger], content="hi")
    socket = await room_socket(request.pk, starter)
    await send(socket, "/me waves")
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["code"], frame["detail"]) == (
        "forbidden",
        "Slash commands work once the conversation has been accepted.",
    )
    # The recipient answering with a command accepts the request, like any answer.
    answer = await room_socket(request.pk, stranger)
    await send(answer, "/me waves back")
    assert (await next_of(answer, "message.new"))["message"]["content"] == "stan waves back"
    assert (await next_of(socket, "message.new"))["message"]["content"] == "stan waves back"
    await send(socket, "/me smiles")
    assert (await next_of(socket, "message.new"))["message"]["content"] == "sam smiles"
    # A block ends it, for commands as for messages.
    await call(block_create, blocker=stranger, blocked=starter)
    await send(socket, "/me tries again")
    assert (await next_of(socket, "error"))["code"] == "forbidden"
    assert await call(Message.objects.filter(room=request).count) == 3
    for ws in (socket, answer):
        await ws.disconnect()
