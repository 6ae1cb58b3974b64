"""Helpers for tests of the project socket through the real ASGI application (JWT, routing, layer)."""

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections

from codenest.asgi import application
from tests.conftest import access_token_for


@pytest.fixture
async def fresh_layer():
    """Each async test has its own event loop: give it its own channel layer, and close the database
    thread's connection afterwards so PostgreSQL can drop the test database."""
    channel_layers.backends.clear()
    yield
    for layer in list(channel_layers.backends.values()):
        if hasattr(layer, "close_pools"):
            await layer.close_pools()
    channel_layers.backends.clear()
    await sync_to_async(connections.close_all)()


async def open_socket(path: str, user=None, *, token=None) -> WebsocketCommunicator:
    if token is None:
        token = await database_sync_to_async(access_token_for)(user)
    socket = WebsocketCommunicator(application, f"{path}?token={token}")
    connected, _ = await socket.connect()
    assert connected
    return socket


async def project_socket(project_id: int, user=None, *, token=None) -> WebsocketCommunicator:
    return await open_socket(f"/ws/projects/{project_id}/", user, token=token)


async def room_socket(room_id: int, user) -> WebsocketCommunicator:
    """A room socket past its first frame (presence)."""
    socket = await open_socket(f"/ws/rooms/{room_id}/", user)
    assert (await socket.receive_json_from(timeout=5))["type"] == "presence"
    return socket


async def close_code(socket: WebsocketCommunicator) -> int:
    """The close code, skipping frames that were already on their way."""
    output = await socket.receive_output(timeout=5)
    while output["type"] == "websocket.send":
        output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close", output
    await socket.disconnect()
    return output["code"]


async def next_of(socket: WebsocketCommunicator, frame_type: str, timeout: float = 5) -> dict:
    """The next frame of `frame_type`, skipping others (presence chatter)."""
    while True:
        frame = await socket.receive_json_from(timeout=timeout)
        if frame["type"] == frame_type:
            return frame


async def frames(socket: WebsocketCommunicator, count: int, timeout: float = 5) -> list[dict]:
    return [await socket.receive_json_from(timeout=timeout) for _ in range(count)]


def call(func, *args, **kwargs):
    """Run blocking code (an APIClient request, a service) from an async test."""
    return database_sync_to_async(func)(*args, **kwargs)
