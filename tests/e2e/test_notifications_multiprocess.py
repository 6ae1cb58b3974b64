"""Notifications across server processes: two daphne processes share one Redis channel layer; an action
through REST on process A reaches the recipient's sockets on process B (and on A), as does a read mark."""

import json
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.conftest import access_token_for
from tests.factories import PostFactory, UserFactory
from tests.live import daphne_server, delete_redis_keys, redis_url_or_skip

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


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


def inbox(server, token: str):
    return connect(f"{server.ws_url}/ws/notifications/?token={token}", open_timeout=10)


def next_frame(socket) -> dict:
    return json.loads(socket.recv(timeout=10))


@pytest.fixture
def two_servers(tmp_path):
    shared = {
        "REDIS_URL": redis_url_or_skip(),
        # Apart from other test runs that may share this Redis database.
        "CHANNEL_LAYER_PREFIX": f"cn-e2e-notif-{uuid.uuid4().hex[:8]}",
        "CACHE_KEY_PREFIX": f"cn-e2e-notif-{uuid.uuid4().hex[:8]}",
    }
    try:
        with daphne_server(tmp_path, **shared) as a, daphne_server(tmp_path, **shared) as b:
            yield a, b
    finally:
        prefixes = (shared["CHANNEL_LAYER_PREFIX"], shared["CACHE_KEY_PREFIX"])
        delete_redis_keys(shared["REDIS_URL"], *(f"{prefix}*" for prefix in prefixes))


def test_rest_action_on_a_reaches_sockets_on_b_and_a(two_servers):
    server_a, server_b = two_servers
    follower, followee = UserFactory(handle="follower_e2e"), UserFactory(handle="followee_e2e")
    follower_token, followee_token = access_token_for(follower), access_token_for(followee)

    with inbox(server_b, followee_token) as on_b, inbox(server_a, followee_token) as on_a:
        for socket in (on_b, on_a):
            assert next_frame(socket) == {"type": "unread_count", "count": 0}

        status, _ = api(server_a, "POST", f"users/{followee.pk}/follow/", follower_token)
        assert status == 200

        for socket in (on_b, on_a):
            frame = next_frame(socket)
            assert frame["type"] == "notification"
            assert frame["notification"]["verb"] == "follow"
            assert frame["notification"]["actor"]["handle"] == "follower_e2e"
            assert next_frame(socket) == {"type": "unread_count", "count": 1}
        notification_id = frame["notification"]["id"]

        # Marking it read on B updates the count on A's socket too.
        status, body = api(server_b, "POST", f"notifications/{notification_id}/read/", followee_token)
        assert (status, body["is_read"]) == (200, True)
        for socket in (on_a, on_b):
            assert next_frame(socket) == {"type": "unread_count", "count": 0}


def test_comment_on_a_reaches_the_post_author_on_b_only(two_servers):
    server_a, server_b = two_servers
    author, commenter = UserFactory(), UserFactory()
    post = PostFactory(author=author, title="Distributed systems")
    author_token, commenter_token = access_token_for(author), access_token_for(commenter)

    with inbox(server_b, author_token) as authors_inbox, inbox(server_b, commenter_token) as commenters_inbox:
        assert next_frame(authors_inbox)["type"] == "unread_count"
        assert next_frame(commenters_inbox)["type"] == "unread_count"

        status, comment = api(server_a, "POST", f"posts/{post.pk}/comments/", commenter_token, {"content": "Great!"})
        assert status == 201

        frame = next_frame(authors_inbox)
        assert frame["notification"]["verb"] == "comment"
        assert frame["notification"]["target_id"] == comment["id"]
        assert next_frame(authors_inbox) == {"type": "unread_count", "count": 1}
        with pytest.raises(TimeoutError):
            commenters_inbox.recv(timeout=1)


def test_bad_token_is_closed_with_4401(two_servers):
    _, server_b = two_servers
    with inbox(server_b, "not-a-token") as socket, pytest.raises(ConnectionClosed) as closed:
        socket.recv(timeout=10)
    assert closed.value.rcvd.code == 4401
    # daphne forwards the reason too (codenest.sockets.forward_close_reasons_in_daphne).
    assert closed.value.rcvd.reason.startswith("Authentication failed: ")
