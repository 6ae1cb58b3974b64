"""Password reset: request → e-mail → confirm, and the token aliases."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory
from users.models import User

pytestmark = pytest.mark.django_db
RESET = "/api/v1/auth/password/reset/"
CONFIRM = "/api/v1/auth/password/reset/confirm/"
NEW_PASSWORD = "a-brand-new-passphrase-77"


def request_reset(client, on_commit, email):
    with on_commit(execute=True):
        response = client.post(RESET, {"email": email})
    assert response.status_code == 202, response.content
    return response


def reset_link_params(message) -> dict:
    link = re.search(r"https?://\S+", message.body).group(0)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://localhost:3000/reset-password"
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def login(client, email, password):
    return client.post("/api/v1/auth/login/", {"email": email, "password": password})


class TestRequest:
    def test_known_address_gets_a_link_to_the_frontend(self, anon_client, on_commit):
        user = UserFactory(email="ada@example.com")
        request_reset(anon_client, on_commit, "ADA@example.com")
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["ada@example.com"]
        assert "reset" in message.subject.lower()
        params = reset_link_params(message)
        assert set(params) == {"uid", "token"}
        assert params["uid"] != str(user.pk)  # base64, as Django's reset views expect

    def test_unknown_address_answers_the_same_and_sends_nothing(self, anon_client, on_commit):
        UserFactory(email="ada@example.com")
        known = request_reset(anon_client, on_commit, "ada@example.com")
        unknown = request_reset(anon_client, on_commit, "nobody@example.com")
        assert (unknown.status_code, unknown.content) == (known.status_code, known.content)
        assert [m.to for m in mail.outbox] == [["ada@example.com"]]

    def test_the_request_itself_never_looks_the_address_up(self, anon_client, django_assert_num_queries):
        """Same work, hence the same timing, for known and unknown addresses: the lookup is in the task."""
        UserFactory(email="ada@example.com")
        for email in ("ada@example.com", "nobody@example.com"):
            with django_assert_num_queries(0):
                assert anon_client.post(RESET, {"email": email}).status_code == 202

    def test_settings_frontend_url(self, anon_client, on_commit, settings):
        settings.FRONTEND_URL = "https://app.codenest.dev"
        UserFactory(email="ada@example.com")
        request_reset(anon_client, on_commit, "ada@example.com")
        assert "https://app.codenest.dev/reset-password?uid=" in mail.outbox[0].body

    @pytest.mark.parametrize("body", [{}, {"email": "not-an-address"}, {"email": ["a@b.c"]}, {"email": "a" * 300}])
    def test_bad_input_400(self, anon_client, body):
        assert anon_client.post(RESET, body, format="json").status_code == 400

    def test_rate_limited_per_address(self, anon_client, settings):
        settings.RATELIMIT_PASSWORD_RESET = "2/h"
        for _ in range(2):
            assert anon_client.post(RESET, {"email": "ada@example.com"}).status_code == 202
        limited = anon_client.post(RESET, {"email": "Ada@Example.com"})
        assert limited.status_code == 429
        assert int(limited["Retry-After"]) > 0
        assert anon_client.post(RESET, {"email": "bob@example.com"}).status_code == 202

    def test_rate_limited_per_ip(self, anon_client, settings):
        settings.RATELIMIT_AUTH = "3/m"
        for n in range(3):
            assert anon_client.post(RESET, {"email": f"u{n}@example.com"}).status_code == 202
        assert anon_client.post(RESET, {"email": "u9@example.com"}).status_code == 429


class TestConfirm:
    @pytest.fixture
    def reset(self, anon_client, on_commit):
        user = UserFactory(email="ada@example.com")
        request_reset(anon_client, on_commit, "ada@example.com")
        return user, reset_link_params(mail.outbox[-1])

    def test_confirm_sets_the_password_and_revokes_every_refresh_token(self, anon_client, on_commit):
        user = UserFactory(email="ada@example.com")
        old_refresh = login(anon_client, "ada@example.com", DEFAULT_PASSWORD).json()["refresh"]
        request_reset(anon_client, on_commit, "ada@example.com")
        params = reset_link_params(mail.outbox[-1])
        response = anon_client.post(CONFIRM, {**params, "new_password": NEW_PASSWORD})
        assert response.status_code == 204, response.content
        assert login(anon_client, "ada@example.com", DEFAULT_PASSWORD).status_code == 401
        assert login(anon_client, "ada@example.com", NEW_PASSWORD).status_code == 200
        assert anon_client.post("/api/v1/auth/refresh/", {"refresh": old_refresh}).status_code == 401
        user.refresh_from_db()
        assert user.email_verified  # the link reached the address's owner

    def test_token_works_once(self, anon_client, reset):
        _, params = reset
        assert anon_client.post(CONFIRM, {**params, "new_password": NEW_PASSWORD}).status_code == 204
        again = anon_client.post(CONFIRM, {**params, "new_password": "another-passphrase-88"})
        assert again.status_code == 400
        assert "token" in again.json()
        assert login(anon_client, "ada@example.com", NEW_PASSWORD).status_code == 200

    def test_expired_token_400(self, anon_client, reset, settings):
        _, params = reset
        with time_machine.travel(timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)):
            response = anon_client.post(CONFIRM, {**params, "new_password": NEW_PASSWORD})
        assert response.status_code == 400
        assert login(anon_client, "ada@example.com", DEFAULT_PASSWORD).status_code == 200

    def test_default_timeout_is_one_hour(self, settings):
        assert settings.PASSWORD_RESET_TIMEOUT == 3600

    @pytest.mark.parametrize(
        "change",
        [
            {"token": "abc-123"},
            {"uid": "MTIzNDU2Nzg"},  # another (non-existent) user id
            {"uid": "!!!"},
            {"uid": "x" * 64},
        ],
    )
    def test_forged_token_or_uid_400(self, anon_client, reset, change):
        _, params = reset
        response = anon_client.post(CONFIRM, {**params, **change, "new_password": NEW_PASSWORD})
        assert response.status_code == 400
        assert login(anon_client, "ada@example.com", DEFAULT_PASSWORD).status_code == 200

    def test_token_of_one_user_does_not_work_for_another(self, anon_client, reset):
        _, params = reset
        other = UserFactory()
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        forged = {**params, "uid": urlsafe_base64_encode(force_bytes(other.pk)), "new_password": NEW_PASSWORD}
        assert anon_client.post(CONFIRM, forged).status_code == 400

    def test_weak_password_400_and_the_token_still_works(self, anon_client, reset):
        _, params = reset
        weak = anon_client.post(CONFIRM, {**params, "new_password": "123"})
        assert weak.status_code == 400
        assert "new_password" in weak.json()
        assert anon_client.post(CONFIRM, {**params, "new_password": NEW_PASSWORD}).status_code == 204

    @pytest.mark.parametrize("body", [{}, {"uid": 1, "token": None, "new_password": 5}, {"uid": "a", "token": "b"}])
    def test_malformed_400(self, anon_client, body):
        assert anon_client.post(CONFIRM, body, format="json").status_code == 400

    def test_erased_or_inactive_user_cannot_reset(self, anon_client, reset):
        user, params = reset
        User.objects.filter(pk=user.pk).update(is_active=False)
        assert anon_client.post(CONFIRM, {**params, "new_password": NEW_PASSWORD}).status_code == 400

    def test_rate_limited(self, anon_client, settings):
        settings.RATELIMIT_AUTH = "2/m"
        for _ in range(2):
            anon_client.post(CONFIRM, {"uid": "a", "token": "b", "new_password": NEW_PASSWORD})
        assert anon_client.post(CONFIRM, {"uid": "a", "token": "b", "new_password": NEW_PASSWORD}).status_code == 429


class TestTokenAliases:
    def test_token_refresh_and_verify(self, anon_client):
        UserFactory(email="ada@example.com")
        pair = anon_client.post("/api/v1/auth/token/", {"email": "ada@example.com", "password": DEFAULT_PASSWORD})
        assert pair.status_code == 200
        assert set(pair.json()) == {"access", "refresh"}
        refreshed = anon_client.post("/api/v1/auth/token/refresh/", {"refresh": pair.json()["refresh"]})
        assert refreshed.status_code == 200
        assert anon_client.post("/api/v1/auth/token/verify/", {"token": refreshed.json()["access"]}).status_code == 200
        bad = anon_client.post("/api/v1/auth/token/verify/", {"token": "not.a.token"})
        assert bad.status_code == 401
        # Rotation: the refresh token used once is blacklisted.
        again = anon_client.post("/api/v1/auth/token/refresh/", {"refresh": pair.json()["refresh"]})
        assert again.status_code == 401

    def test_token_alias_bad_credentials_401(self, anon_client):
        UserFactory(email="ada@example.com")
        response = anon_client.post("/api/v1/auth/token/", {"email": "ada@example.com", "password": "wrong"})
        assert response.status_code == 401

    def test_verify_rate_limited(self, anon_client, settings):
        settings.RATELIMIT_TOKEN_VERIFY = "2/m"
        for _ in range(2):
            anon_client.post("/api/v1/auth/token/verify/", {"token": "x"})
        assert anon_client.post("/api/v1/auth/token/verify/", {"token": "x"}).status_code == 429
