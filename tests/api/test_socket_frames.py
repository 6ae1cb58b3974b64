"""Hostile frames on every socket (issue 9), through the real ASGI application: a 10,000-level nested
frame used to raise RecursionError in the consumer (close 1011); now each socket answers an `error`
frame `invalid` and stays open, as docs/websockets.md promises for malformed frames."""

import pytest

from tests.factories import ProjectFactory, RoomFactory, UserFactory
from tests.projects.sockets import call, fresh_layer, next_of, open_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(fresh_layer.__name__)]

DEEP = "[" * 9_000 + "]" * 9_000  # under each socket's size limit: the nesting is what is refused
DEEP_IN_A_FRAME = '{"type": "message.send", "content": "x", "parent": ' + "[" * 9_000 + "]" * 9_000 + "}"


def _world():
    user = UserFactory()
    return user, RoomFactory(creator=user), ProjectFactory(owner=user)


@pytest.mark.parametrize("kind", ["rooms", "projects", "notifications"])
async def test_deeply_nested_frames_get_an_error_frame_and_the_socket_stays_open(kind):
    user, room, project = await call(_world)
    path = {"rooms": f"/ws/rooms/{room.pk}/", "projects": f"/ws/projects/{project.pk}/"}.get(kind, "/ws/notifications/")
    socket = await open_socket(path, user)
    for frame in (DEEP, DEEP_IN_A_FRAME):
        await socket.send_to(text_data=frame)
        error = await next_of(socket, "error")
        assert error["code"] == "invalid" and error["detail"]
    await socket.send_json_to({"type": "ping"})
    assert await next_of(socket, "pong") == {"type": "pong"}
    await socket.disconnect()
