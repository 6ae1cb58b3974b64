"""E-mail verification: sent on register and resend, verified by key, re-verified on change, and the
EMAIL_VERIFICATION=mandatory rule for every content write (REST and socket)."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.db import connections
from django.utils import timezone

from codenest.asgi import application
from posts.models import Comment, Post
from projects.models import Project
from rooms.models import Message, Room
from tests.conftest import access_token_for
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, PostFactory, RoomFactory, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/auth/email/verify/"
RESEND = "/api/v1/auth/email/resend/"
ME = "/api/v1/users/me/"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def key_from(message) -> str:
    link = re.search(r"https?://\S+", message.body).group(0)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://localhost:3000/verify-email"
    return parse_qs(parts.query)["key"][0]


def register(client, on_commit, email="new@example.com", handle="newbie"):
    with on_commit(execute=True):
        response = client.post(
            "/api/v1/auth/register/", {"email": email, "password": DEFAULT_PASSWORD, "handle": handle}
        )
    assert response.status_code == 201, response.content
    return response.json()


class TestVerification:
    def test_register_sends_the_link_and_the_key_verifies(self, anon_client, on_commit):
        body = register(anon_client, on_commit)
        assert body["user"]["email_verified"] is False
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.com"]
        response = anon_client.post(VERIFY, {"key": key_from(mail.outbox[0])})
        assert response.status_code == 200
        assert response.json() == {"email_verified": True}
        assert User.objects.get(email="new@example.com").email_verified
        # Verifying again with the same link is harmless.
        assert anon_client.post(VERIFY, {"key": key_from(mail.outbox[0])}).status_code == 200

    @pytest.mark.parametrize("key", ["nonsense", "x" * 500, "eyJ1c2VyIjoxfQ:1abc:def"])
    def test_forged_key_400(self, anon_client, key):
        response = anon_client.post(VERIFY, {"key": key})
        assert response.status_code == 400
        assert "key" in response.json()

    @pytest.mark.parametrize("body", [{}, {"key": ""}, {"key": ["a"]}, {"key": "x" * 600}])
    def test_malformed_400(self, anon_client, body):
        assert anon_client.post(VERIFY, body, format="json").status_code == 400

    def test_verify_rate_limited_per_ip(self, anon_client, settings):
        settings.RATELIMIT_AUTH = "2/m"
        for _ in range(2):
            assert anon_client.post(VERIFY, {"key": "guess"}).status_code == 400
        assert anon_client.post(VERIFY, {"key": "guess"}).status_code == 429

    def test_expired_key_400(self, anon_client, on_commit, settings):
        register(anon_client, on_commit)
        key = key_from(mail.outbox[0])
        with time_machine.travel(timezone.now() + timedelta(seconds=settings.EMAIL_VERIFICATION_TIMEOUT + 5)):
            assert anon_client.post(VERIFY, {"key": key}).status_code == 400
        assert not User.objects.get(email="new@example.com").email_verified

    def test_resend_sends_another_and_is_rate_limited(self, make_client, on_commit, settings):
        settings.RATELIMIT_EMAIL_RESEND = "2/h"
        user = UserFactory()
        client = make_client(user)
        for _ in range(2):
            with on_commit(execute=True):
                assert client.post(RESEND).status_code == 202
        assert [m.to for m in mail.outbox] == [[user.email], [user.email]]
        limited = client.post(RESEND)
        assert limited.status_code == 429 and "Retry-After" in limited

    def test_resend_when_verified_400_and_anonymous_401(self, make_client, anon_client):
        assert make_client(UserFactory(email_verified=True)).post(RESEND).status_code == 400
        assert anon_client.post(RESEND).status_code == 401


class TestEmailChange:
    def test_change_needs_the_password_and_verification_again(self, make_client, on_commit):
        user = UserFactory(email="old@example.com", email_verified=True)
        client = make_client(user)
        with on_commit(execute=True):
            response = client.patch(ME, {"email": "New@Example.com", "password": DEFAULT_PASSWORD})
        assert response.status_code == 200, response.content
        assert (response.json()["email"], response.json()["email_verified"]) == ("New@example.com", False)
        assert mail.outbox[-1].to == ["New@example.com"]
        assert client.post(VERIFY, {"key": key_from(mail.outbox[-1])}).status_code == 200
        assert client.get(ME).json()["email_verified"] is True

    def test_a_key_for_the_old_address_stops_working(self, anon_client, make_client, on_commit):
        register(anon_client, on_commit)
        old_key = key_from(mail.outbox[0])
        user = User.objects.get(email="new@example.com")
        client = make_client(user)
        with on_commit(execute=True):
            assert client.patch(ME, {"email": "other@example.com", "password": DEFAULT_PASSWORD}).status_code == 200
        assert anon_client.post(VERIFY, {"key": old_key}).status_code == 400
        user.refresh_from_db()
        assert not user.email_verified

    @pytest.mark.parametrize(
        "body",
        [
            {"email": "new@example.com", "password": "wrong-password"},
            {"email": "new@example.com"},
            {"email": "taken@example.com", "password": DEFAULT_PASSWORD},
            {"email": "TAKEN@example.com", "password": DEFAULT_PASSWORD},
            {"email": "not-an-address", "password": DEFAULT_PASSWORD},
        ],
    )
    def test_bad_change_400_and_nothing_changes(self, make_client, body):
        UserFactory(email="taken@example.com")
        user = UserFactory(email="old@example.com", email_verified=True, name="Ada")
        response = make_client(user).patch(ME, {**body, "name": "Changed"})
        assert response.status_code == 400
        user.refresh_from_db()
        assert (user.email, user.email_verified, user.name) == ("old@example.com", True, "Ada")
        assert mail.outbox == []


class TestMandatory:
    @pytest.fixture(autouse=True)
    def mandatory(self, settings):
        settings.EMAIL_VERIFICATION = "mandatory"

    @pytest.fixture
    def unverified(self):
        return UserFactory(email_verified=False)

    def assert_email_unverified(self, response):
        assert response.status_code == 403, response.content
        body = response.json()
        assert body["code"] == "email_unverified"
        assert "verify" in body["detail"].lower()

    def test_unverified_user_may_log_in_and_read(self, anon_client, unverified, make_client):
        response = anon_client.post("/api/v1/auth/login/", {"email": unverified.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        assert make_client(unverified).get("/api/v1/posts/").status_code == 200
        assert make_client(unverified).patch(ME, {"bio": "Still allowed."}).status_code == 200

    def test_every_content_write_is_refused(self, make_client, unverified):
        client = make_client(unverified)
        room = RoomFactory()
        MembershipFactory(room=room, user=unverified)
        post = PostFactory()
        own_post = PostFactory(author=unverified)
        self.assert_email_unverified(client.post("/api/v1/posts/", {"title": "Hello", "content": "x"}))
        self.assert_email_unverified(client.patch(f"/api/v1/posts/{own_post.pk}/", {"title": "Edited"}))
        self.assert_email_unverified(client.post(f"/api/v1/posts/{post.pk}/comments/", {"content": "Hi"}))
        self.assert_email_unverified(client.post("/api/v1/rooms/", {"name": "Mine", "is_public": True}))
        self.assert_email_unverified(client.post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "hello"}))
        self.assert_email_unverified(client.post("/api/v1/projects/", {"name": "Proj"}))
        assert not Post.objects.exclude(pk__in=[post.pk, own_post.pk]).exists()
        assert not Comment.objects.exists() and not Message.objects.exists() and not Project.objects.exists()
        assert Room.objects.count() == 1
        assert Post.objects.get(pk=own_post.pk).title != "Edited"

    def test_verified_user_writes(self, make_client):
        client = make_client(UserFactory(email_verified=True))
        assert client.post("/api/v1/posts/", {"title": "Hello", "content": "x"}).status_code == 201
        assert client.post("/api/v1/rooms/", {"name": "Mine", "is_public": True}).status_code == 201

    def test_optional_blocks_nothing(self, make_client, unverified, settings):
        settings.EMAIL_VERIFICATION = "optional"
        assert make_client(unverified).post("/api/v1/posts/", {"title": "Hi", "content": "x"}).status_code == 201


@pytest.fixture
async def close_db_connections_after():
    """The socket test reaches the database from asgiref's thread: close it so PostgreSQL can drop the test DB."""
    yield
    await sync_to_async(connections.close_all)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
@pytest.mark.usefixtures("close_db_connections_after")
async def test_mandatory_refuses_chat_sends_over_the_socket(settings):
    settings.EMAIL_VERIFICATION = "mandatory"
    user = await database_sync_to_async(UserFactory)(email_verified=False)
    room = await database_sync_to_async(RoomFactory)(creator=user)
    token = await database_sync_to_async(access_token_for)(user)
    socket = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/?token={token}")
    connected, _ = await socket.connect()
    assert connected
    try:
        while (await socket.receive_json_from(timeout=5))["type"] != "presence":
            pass
        await socket.send_json_to({"type": "message.send", "content": "hello", "client_id": "c-1"})
        frame = await socket.receive_json_from(timeout=5)
        while frame["type"] != "error":
            frame = await socket.receive_json_from(timeout=5)
        assert frame["code"] == "forbidden"
        assert "verify" in frame["detail"].lower()
        # The socket stays open and nothing was stored.
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=5))["type"] == "pong"
        assert not await database_sync_to_async(Message.objects.exists)()
    finally:
        await socket.disconnect()
