"""No 500 from input (issue 9): hostile bodies and cursors answer a JSON 4xx on every endpoint.

- a 10,000-level nested JSON body raised RecursionError in the parser (500), even without login;
- a body over DATA_UPLOAD_MAX_MEMORY_SIZE answered Django's HTML 400 instead of a JSON 413;
- message-history cursors with a garbage position raised ValueError in the query (500).
"""

import hashlib
import hmac
import json
import re
from base64 import b64encode

import pytest
from django.test import override_settings

from tests.conftest import client_for
from tests.factories import (
    MessageFactory,
    NotificationFactory,
    PostFactory,
    ProjectFactory,
    RoomFactory,
    TaskFactory,
    UserFactory,
    make_comment,
)

pytestmark = pytest.mark.django_db

DEEP = "[" * 10_000 + "]" * 10_000
DEEP_OBJECT = '{"email": "a@b.c", "password": ' + DEEP + "}"


def _json_error(response, status_code: int) -> dict:
    assert response.status_code == status_code, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.fixture
def world(db):
    """One object of each kind, owned by a staff user, to fill path parameters with."""
    staff = UserFactory(is_staff=True)
    room = RoomFactory(creator=staff)
    post = PostFactory(author=staff)
    project = ProjectFactory(owner=staff)
    return {
        "staff": staff,
        "room": room,
        "message": MessageFactory(room=room, author=staff),
        "post": post,
        "comment": make_comment(post=post, author=staff),
        "project": project,
        "task": TaskFactory(project=project),
        "notification": NotificationFactory(recipient=staff),
        "other": UserFactory(),
    }


def _fill(path: str, world: dict) -> str:
    kinds = {"rooms": "room", "posts": "post", "comments": "comment", "projects": "project", "users": "other"}
    kinds |= {"notifications": "notification", "messages": "message", "tasks": "task", "members": "other"}
    kinds |= {"bans": "other"}
    segments = path.strip("/").split("/")
    filled = []
    for index, segment in enumerate(segments):
        if segment.startswith("{"):
            name = segment[1:-1]
            previous = segments[index - 1]
            if name == "room_id":
                value = world["room"].pk
            elif name == "project_pk":
                value = world["project"].pk
            elif name == "number":
                value = world["task"].number
            elif name == "message_id":
                value = world["message"].pk
            elif name == "code":
                value = "first_post"
            else:
                value = world[kinds.get(previous, "other")].pk
            segment = str(value)
        filled.append(segment)
    return "/" + "/".join(filled) + "/"


def test_deeply_nested_json_is_a_400_on_every_write_endpoint(world, anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    client = client_for(world["staff"])
    tried = []
    for path, item in schema["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method not in item:
                continue
            url = _fill(path, world)
            response = client.generic(method.upper(), url, DEEP, content_type="application/json")
            assert response.status_code < 500, (method, url, response.content[:300])
            if response.status_code >= 400:
                assert response["Content-Type"].startswith("application/json"), (method, url)
            if "requestBody" in item[method]:
                assert response.status_code in (400, 403, 404, 415), (method, url, response.status_code)
            tried.append(url)
    assert len(tried) > 40


@pytest.mark.parametrize("url", ["/api/v1/auth/login/", "/api/v1/auth/register/", "/api/v1/auth/refresh/"])
def test_deeply_nested_json_without_login(anon_client, url):
    for body in (DEEP, DEEP_OBJECT):
        body_json = _json_error(anon_client.generic("POST", url, body, content_type="application/json"), 400)
        assert "nested" in json.dumps(body_json)


def test_moderately_deep_json_is_refused_too(auth_client):
    deep_tags = {"name": "ok", "tags": json.loads("[" * 100 + "]" * 100)}
    _json_error(auth_client.post("/api/v1/rooms/", deep_tags, format="json"), 400)


def _sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_deeply_nested_json_on_the_signed_webhook(anon_client):
    project = ProjectFactory()
    body = ('{"ref": "refs/heads/main", "commits": ' + DEEP + "}").encode()
    response = anon_client.post(
        f"/api/v1/projects/{project.pk}/github/webhook/",
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="deep-1",
        HTTP_X_HUB_SIGNATURE_256=_sign(project.webhook_secret, body),
    )
    _json_error(response, 400)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100_000)
def test_too_big_a_body_is_a_json_413(anon_client, auth_client):
    big = json.dumps({"email": "a@b.c", "password": "x" * 200_000})
    project = ProjectFactory()
    for client, url in (
        (anon_client, "/api/v1/auth/login/"),
        (auth_client, "/api/v1/rooms/"),
        (anon_client, f"/api/v1/projects/{project.pk}/github/webhook/"),
    ):
        body = _json_error(client.generic("POST", url, big, content_type="application/json"), 413)
        assert "too large" in body["detail"]


def _cursor(query: str) -> str:
    return b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("p=abc"),
        _cursor("p=1e400"),
        _cursor("p=2026-13-45"),
        _cursor("p=" + "9" * 40),
        _cursor("o=-1&p=5"),
        _cursor("r=x"),
        "%%%garbage",
    ],
)
def test_garbage_message_history_cursors_are_a_400(world, cursor):
    client = client_for(world["staff"])
    body = _json_error(client.get(f"/api/v1/rooms/{world['room'].pk}/messages/", {"cursor": cursor}), 400)
    assert body == {"cursor": ["Invalid cursor."]}


def test_a_real_cursor_still_pages(world):
    client = client_for(world["staff"])
    room = world["room"]
    for _ in range(25):
        MessageFactory(room=room, author=world["staff"])
    first = client.get(f"/api/v1/rooms/{room.pk}/messages/").json()
    cursor = re.search(r"cursor=([^&]+)", first["next"]).group(1)
    second = client.get(f"/api/v1/rooms/{room.pk}/messages/?cursor={cursor}")
    assert second.status_code == 200
    assert {m["id"] for m in second.json()["results"]}.isdisjoint({m["id"] for m in first["results"]})


def test_a_deeply_nested_feed_cursor_is_a_400(auth_client):
    from base64 import urlsafe_b64encode

    cursor = urlsafe_b64encode(("[" * 5_000 + "]" * 5_000).encode()).decode()
    assert auth_client.get("/api/v1/feed/", {"cursor": cursor}).status_code == 400


def test_a_non_numeric_upload_id_is_a_404(auth_client):
    for method in ("get", "delete"):
        response = getattr(auth_client, method)("/api/v1/uploads/null,null/")
        assert _json_error(response, 404) == {"detail": "Not found."}
