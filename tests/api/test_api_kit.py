"""The shared API kit: versioning, error shapes, rate limiting, WebSocket JWT auth."""

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken

from api.ratelimit import check_rate_limit
from codenest.ws_auth import JWTAuthMiddleware
from tests.factories import RoomFactory, UserFactory
from users.models import Skill

pytestmark = pytest.mark.django_db


def test_unknown_api_version_404(anon_client):
    user = UserFactory()
    assert anon_client.get(f"/api/v1/users/{user.id}/").status_code == 200
    response = anon_client.get(f"/api/v9/users/{user.id}/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_unknown_path_is_json_404(anon_client):
    response = anon_client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("url", ["/api/v1/no-such-thing/", "/api/nope", "/no-such-page/"])
def test_unknown_path_is_json_404_under_debug_too(anon_client, settings, url):
    """Django answers unknown URLs with its HTML debug page when DEBUG is on, bypassing handler404."""
    settings.DEBUG = True
    response = anon_client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_json_404_keeps_the_trailing_slash_redirect(anon_client, settings):
    settings.DEBUG = True
    response = anon_client.get("/api/v1/skills")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/skills/"


@pytest.mark.parametrize("url", ["/api/v1/users/", "/api/v1/rooms/", "/api/v1/skills/"])
def test_huge_search_is_a_400_not_a_database_error(make_client, url):
    """SQLite refuses LIKE patterns over 50,000 bytes: a 100,000-character ?search= was a 500."""
    staff = UserFactory(is_staff=True)
    RoomFactory(creator=staff)  # rows to match against: SQLite skips the LIKE on an empty table
    Skill.objects.create(name="python")
    client = make_client(staff)
    response = client.get(url, {"search": "x" * 100_000})
    assert response.status_code == 400
    assert response.json() == {"search": ["Ensure this value has at most 200 characters."]}
    assert client.get(url, {"search": "x" * 200}).status_code == 200


def test_write_throttle_message_reads_the_same(make_client, settings):
    settings.RATELIMIT_WRITES = "1/m"
    client = make_client(UserFactory())
    client.post("/api/v1/rooms/", {"name": "One", "description": "", "is_public": True, "tags": []})
    response = client.post("/api/v1/rooms/", {"name": "Two", "description": "", "is_public": True, "tags": []})
    assert response.status_code == 429
    wait = response.json()["retry_after"]
    unit = "second" if wait == 1 else "seconds"
    assert response.json()["detail"] == f"Too many requests. Try again in {wait} {unit}."
    assert response["Retry-After"] == str(wait)


def test_rate_limit_message_says_it_once(anon_client, settings):
    settings.RATELIMIT_AUTH = "1/m"
    anon_client.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})
    response = anon_client.post("/api/v1/auth/login/", {"email": "a@example.com", "password": "x"})
    assert response.status_code == 429
    wait = response.json()["retry_after"]
    unit = "second" if wait == 1 else "seconds"
    assert response.json()["detail"] == f"Too many requests. Try again in {wait} {unit}."


def test_method_not_allowed_405(auth_client):
    response = auth_client.put("/api/v1/users/me/", {})  # GET, PATCH and DELETE only
    assert response.status_code == 405
    assert "detail" in response.json()


def test_unsupported_media_type_415(anon_client):
    response = anon_client.post("/api/v1/auth/login/", data="email=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_check_rate_limit_counts_per_ident(settings):
    assert [check_rate_limit(group="t", ident="a", rate="2/m") for _ in range(2)] == [None, None]
    wait = check_rate_limit(group="t", ident="a", rate="2/m")
    assert wait is not None and 1 <= wait <= 60
    assert check_rate_limit(group="t", ident="b", rate="2/m") is None


def test_createsuperuser_with_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "another-strong-pass-1")
    call_command("createsuperuser", "--noinput", "--email", "Boss@Example.com", "--handle", "boss", verbosity=0)
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.get(handle="boss")
    assert boss.is_superuser and boss.is_staff and boss.check_password("another-strong-pass-1")


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(email__endswith="@codenest.dev").count() == 4
    assert "alice@codenest.dev" in capsys.readouterr().out


async def _echo_user_app(scope, receive, send):
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    user = scope["user"]
    text = f"{user.pk}" if user.is_authenticated else f"anonymous:{scope['auth_error']}"
    await send({"type": "websocket.send", "text": text})


def _app():
    return JWTAuthMiddleware(URLRouter([path("ws/echo/", _echo_user_app)]))


async def _connect(query: str) -> str:
    communicator = WebsocketCommunicator(_app(), f"/ws/echo/{query}")
    connected, _ = await communicator.connect()
    assert connected
    text = await communicator.receive_from()
    await communicator.disconnect()
    return text


@pytest.mark.django_db(transaction=True)
async def test_ws_jwt_middleware():
    from asgiref.sync import sync_to_async

    user = await sync_to_async(UserFactory)()
    inactive = await sync_to_async(UserFactory)(is_active=False)
    good = str(AccessToken.for_user(user))
    assert await _connect(f"?token={good}") == str(user.pk)
    assert (await _connect("")).startswith("anonymous:missing token")
    assert (await _connect("?token=garbage")).startswith("anonymous:")
    assert (await _connect(f"?token={AccessToken.for_user(inactive)}")).startswith("anonymous:unknown")
    expired = AccessToken.for_user(user)
    from datetime import timedelta

    expired.set_exp(lifetime=-timedelta(seconds=5))
    assert (await _connect(f"?token={expired}")).startswith("anonymous:")


def test_api_root_lists_collections(anon_client):
    response = anon_client.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "v1"
    assert body["endpoints"]["rooms"].endswith("/api/v1/rooms/")
    assert anon_client.get("/api/v9/").status_code == 404


@pytest.mark.parametrize("path", ["/api/v1/users/me/skills/", "/api/v1/users/me/", "/api/v1/rooms/", "/api/v1/posts/"])
def test_options_answers_without_server_error(auth_client, path):
    response = auth_client.options(path, data=[{"skill": "0"}], format="json")
    assert response.status_code == 200
    assert "name" in response.json()
