"""What every socket shares: unknown paths close with 4404, and close codes carry a reason, over daphne too."""

import pytest
from channels.testing import WebsocketCommunicator
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from codenest.asgi import application
from tests.conftest import access_token_for
from tests.factories import UserFactory
from tests.live import daphne_server

UNKNOWN_PATHS = ["/ws/nope/", "/ws/rooms/abc/", "/ws/rooms/", "/ws/notifications/extra/", "/nothing"]


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    with daphne_server(tmp_path_factory.mktemp("sockets"), DEBUG="0") as live:
        yield live


def close_of(url: str) -> tuple[int, str]:
    """Open a socket (the handshake must succeed) and wait for the server to close it."""
    with connect(url, open_timeout=10) as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
async def test_unknown_path_closes_4404_in_process(path):
    communicator = WebsocketCommunicator(application, f"{path}?token=whatever")
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    assert await communicator.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4404,
        "reason": f"No socket at {path}",
    }
    await communicator.disconnect()


@pytest.mark.e2e
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_unknown_path_closes_4404_over_daphne(server, path):
    """Not an HTTP 500 from URLRouter's "No route found": the handshake succeeds, then 4404 with a reason."""
    assert close_of(f"{server.ws_url}{path}") == (4404, f"No socket at {path}")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_close_reasons_reach_a_real_client_over_daphne(server):
    token = access_token_for(UserFactory())
    assert close_of(f"{server.ws_url}/ws/rooms/424242/?token={token}") == (4404, "No such room.")
    assert close_of(f"{server.ws_url}/ws/rooms/1/") == (4401, "Authentication failed: missing token.")
    code, reason = close_of(f"{server.ws_url}/ws/notifications/?token=not-a-jwt")
    assert code == 4401 and reason.startswith("Authentication failed: ")


def test_reason_is_cut_to_what_a_close_frame_holds():
    from codenest.sockets import MAX_REASON_BYTES, close_reason

    long_reason = close_reason("é" * 200)
    assert len(long_reason.encode()) <= MAX_REASON_BYTES
    assert long_reason == "é" * (MAX_REASON_BYTES // 2)
