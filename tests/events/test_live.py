"""`event.updated` frames over real sockets (ASGI app, JWT middleware, channel layer): the room's chat
socket for a room's event, the voters' notification sockets for an event without a room."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from codenest.asgi import application
from events import services
from tests.conftest import access_token_for, client_for
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


@pytest.fixture(autouse=True)
async def fresh_layer_and_connections():
    """Each test has its own event loop: give it its own channel layer, and close the database
    thread's connection afterwards so PostgreSQL can drop the test database."""
    channel_layers.backends.clear()
    yield
    for layer in list(channel_layers.backends.values()):
        if hasattr(layer, "close_pools"):
            await layer.close_pools()
    channel_layers.backends.clear()
    await sync_to_async(connections.close_all)()


async def open_socket(path: str, user) -> WebsocketCommunicator:
    token = await sync_to_async(access_token_for)(user)
    socket = WebsocketCommunicator(application, f"{path}?token={token}")
    connected, _ = await socket.connect(timeout=5)
    assert connected
    return socket


async def next_frame(socket, frame_type: str, timeout: float = 5) -> dict:
    """The first frame of `frame_type`, skipping presence and unread-count chatter."""
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame


def _setup_room_event():
    creator, member = UserFactory(handle="cleo"), UserFactory(handle="mia")
    room = RoomFactory(creator=creator)
    MembershipFactory(room=room, user=member)
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    event = services.event_create(creator=creator, title="Sprint demo", room=room, slot_times=[start])
    return room, creator, member, event, event.slots.get()


async def test_room_socket_carries_event_updated_after_a_vote_with_each_viewers_own_votes():
    room, creator, member, event, slot = await sync_to_async(_setup_room_event)()
    watcher = await open_socket(f"/ws/rooms/{room.pk}/", creator)
    voter = await open_socket(f"/ws/rooms/{room.pk}/", member)
    url = f"/api/v1/events/{event.pk}/slots/{slot.pk}/vote/"
    response = await sync_to_async(lambda: client_for(member).put(url, {"answer": "yes"}, format="json"))()
    assert response.status_code == 200

    seen_by_watcher = await next_frame(watcher, "event.updated")
    seen_by_voter = await next_frame(voter, "event.updated")
    for frame in (seen_by_watcher, seen_by_voter):
        assert frame["event"]["id"] == event.pk
        assert frame["event"]["room"] == room.pk
        assert frame["event"]["slots"] == [
            {"id": slot.pk, "starts_at": response.json()["slots"][0]["starts_at"], "yes": 1, "maybe": 0,
             "voters": [{"id": member.pk, "handle": "mia", "name": member.name, "avatar": ""}]}
        ]  # fmt: skip
        assert frame["event"]["participant_count"] == 1
    assert seen_by_voter["event"]["my_votes"] == {str(slot.pk): "yes"}
    assert seen_by_watcher["event"]["my_votes"] == {}

    # A lock and a task change are announced the same way.
    await sync_to_async(lambda: services.event_lock(event=event, actor=creator, slot_id=slot.pk))()
    locked = await next_frame(watcher, "event.updated")
    assert (locked["event"]["status"], locked["event"]["locked_slot"]) == ("locked", slot.pk)
    await sync_to_async(lambda: services.event_task_create(event=event, actor=creator, title="Record it"))()
    tasked = await next_frame(watcher, "event.updated")
    assert [t["title"] for t in tasked["event"]["tasks"]] == ["Record it"]
    for socket in (watcher, voter):
        await socket.disconnect()


def _setup_standalone_event():
    creator, early_voter, late_voter = UserFactory(), UserFactory(), UserFactory()
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    event = services.event_create(creator=creator, title="Open meetup", slot_times=[start])
    slot = event.slots.get()
    services.vote_set(event=event, user=early_voter, slot_id=slot.pk, answer="maybe")
    return creator, early_voter, late_voter, event, slot


async def test_event_without_room_reaches_its_voters_notification_sockets():
    creator, early_voter, late_voter, event, slot = await sync_to_async(_setup_standalone_event)()
    voter_socket = await open_socket("/ws/notifications/", early_voter)
    creator_socket = await open_socket("/ws/notifications/", creator)
    stranger = await sync_to_async(UserFactory)()
    stranger_socket = await open_socket("/ws/notifications/", stranger)
    url = f"/api/v1/events/{event.pk}/slots/{slot.pk}/vote/"
    response = await sync_to_async(lambda: client_for(late_voter).put(url, {"answer": "yes"}, format="json"))()
    assert response.status_code == 200

    frame = await next_frame(voter_socket, "event.updated")
    assert frame["event"]["id"] == event.pk
    assert (frame["event"]["slots"][0]["yes"], frame["event"]["slots"][0]["maybe"]) == (1, 1)
    assert frame["event"]["my_votes"] == {str(slot.pk): "maybe"}
    assert (await next_frame(creator_socket, "event.updated"))["event"]["my_votes"] == {}
    assert (await stranger_socket.receive_json_from(timeout=5))["type"] == "unread_count"
    assert await stranger_socket.receive_nothing(timeout=0.5)
    for socket in (voter_socket, creator_socket, stranger_socket):
        await socket.disconnect()


async def test_deleting_a_room_event_is_announced():
    room, creator, member, event, _slot = await sync_to_async(_setup_room_event)()
    watcher = await open_socket(f"/ws/rooms/{room.pk}/", member)
    response = await sync_to_async(lambda: client_for(creator).delete(f"/api/v1/events/{event.pk}/"))()
    assert response.status_code == 204
    assert await next_frame(watcher, "event.deleted") == {"type": "event.deleted", "id": event.pk}
    await watcher.disconnect()
