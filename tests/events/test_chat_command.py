"""`/event <title>` in room chat: registered by the events app into rooms' command registry."""

import pytest

from events.models import Event
from rooms.models import Message
from rooms.services import room_archive
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.projects.sockets import call, fresh_layer, next_of, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(fresh_layer.__name__)]


@pytest.fixture
def chat(db):
    owner = UserFactory(handle="olivia")
    room = RoomFactory(creator=owner, name="Meetups", slug="meetups")
    member = MembershipFactory(room=room, user=UserFactory(handle="mia")).user
    return room, owner, member


async def send(socket, content, **frame):
    await socket.send_json_to({"type": "message.send", "content": content, **frame})


async def test_event_command_creates_a_draft_event_in_the_room(chat):
    room, owner, member = chat
    sender, listener = await room_socket(room.pk, member), await room_socket(room.pk, owner)
    await send(sender, "/event  Friday   pair programming ", client_id="e-1")

    notes = [(await next_of(sender, "message.new"))["message"]]
    heard = []  # the listener hears the event itself (event.updated) and the note, in commit order
    while not any(frame["type"] == "message.new" for frame in heard):
        heard.append(await listener.receive_json_from(timeout=3))
    notes.append(next(frame["message"] for frame in heard if frame["type"] == "message.new"))
    event = await call(Event.objects.get)
    assert (event.title, event.room_id, event.created_by_id, event.status) == (
        "Friday pair programming",
        room.pk,
        member.pk,
        "draft",
    )
    for note in notes:
        assert (note["kind"], note["author"], note["content"]) == (
            "system",
            None,
            "mia proposed an event: Friday pair programming",
        )
        assert note["data"] == {
            "command": "event",
            "by": member.pk,
            "event": {"id": event.pk, "slug": event.slug},
        }
    # The room's socket also carries the event itself, as for any event change.
    assert [frame["event"]["id"] for frame in heard if frame["type"] == "event.updated"] == [event.pk]

    # A retried frame creates no second event.
    await send(sender, "/event Friday pair programming", client_id="e-1")
    assert (await next_of(sender, "message.new"))["message"]["id"] == notes[0]["id"]
    assert await call(Event.objects.count) == 1
    await sender.disconnect()
    await listener.disconnect()


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("/event", {"content": ["Usage: /event <title>"]}),
        ("/event " + "x" * 201, {"content": ["An event title has at most 200 characters."]}),
    ],
)
async def test_event_command_errors(chat, content, detail):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await send(socket, content)
    frame = await next_of(socket, "error")
    assert (frame["code"], frame["detail"]) == ("invalid", detail)
    assert not await call(Event.objects.exists)
    assert not await call(Message.objects.exists)
    await socket.disconnect()


async def test_event_command_in_an_archived_room_is_forbidden(chat):
    room, _, member = chat
    socket = await room_socket(room.pk, member)
    await call(room_archive, room=room)
    await send(socket, "/event Too late")
    assert (await next_of(socket, "error"))["code"] == "forbidden"
    assert not await call(Event.objects.exists)
    await socket.disconnect()
