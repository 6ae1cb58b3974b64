import pytest
from django.contrib.auth import authenticate, get_user_model
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import DEFAULT_PASSWORD, UserFactory

User = get_user_model()
REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
PASSWORD = "/api/v1/auth/password/change/"
ME = "/api/v1/users/me/"
STRONG = "glass-river-stone-77"

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    body = {"email": "New.Person@Example.com", "password": STRONG, "handle": "newbie", "name": "New Person"}
    body.update(overrides)
    return client.post(REGISTER, body, format="json")


class TestRegister:
    def test_creates_user_and_returns_tokens(self, anon_client):
        response = register(anon_client)
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"user", "access", "refresh"}
        assert body["user"]["handle"] == "newbie"
        assert body["user"]["email"] == "New.Person@example.com"
        user = User.objects.get(handle="newbie")
        assert user.check_password(STRONG)
        me = anon_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert me.status_code == 200
        assert me.json()["id"] == user.id

    def test_duplicate_email_in_another_case_is_refused(self, anon_client):
        UserFactory(email="taken@example.com")
        response = register(anon_client, email="TAKEN@example.COM")
        assert response.status_code == 400
        assert "email" in response.json()
        assert User.objects.count() == 1

    def test_duplicate_handle_in_another_case_is_refused(self, anon_client):
        UserFactory(handle="taken")
        response = register(anon_client, handle="TAKEN")
        assert response.status_code == 400
        assert "handle" in response.json()

    @pytest.mark.parametrize("password", ["short", "12345678901", "password123", "newbie12"])
    def test_weak_password_is_refused(self, anon_client, password):
        response = register(anon_client, password=password)
        assert response.status_code == 400
        assert "password" in response.json()
        assert not User.objects.exists()

    @pytest.mark.parametrize("handle", ["ab", "Has Space", "x" * 31, "émile", "a/b"])
    def test_bad_handle_is_refused(self, anon_client, handle):
        response = register(anon_client, handle=handle)
        assert response.status_code == 400
        assert "handle" in response.json()

    def test_missing_and_wrongly_typed_fields(self, anon_client):
        response = anon_client.post(REGISTER, {"email": 12, "password": ["x"]}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert {"email", "password", "handle"} <= set(body)

    def test_over_long_fields(self, anon_client):
        response = register(anon_client, email=f"{'a' * 300}@example.com", name="n" * 101)
        assert response.status_code == 400
        assert {"email", "name"} <= set(response.json())
        assert not User.objects.exists()

    def test_malformed_json(self, anon_client):
        response = anon_client.post(REGISTER, data='{"email": "x@y.z",', content_type="application/json")
        assert response.status_code == 400
        assert "JSON parse error" in response.json()["detail"]

    def test_body_that_is_not_an_object(self, anon_client):
        response = anon_client.post(REGISTER, data="[1, 2]", content_type="application/json")
        assert response.status_code == 400

    def test_rate_limited_per_ip(self, anon_client, settings):
        settings.RATELIMIT_AUTH = "3/m"
        for i in range(3):
            assert register(anon_client, email=f"u{i}@example.com", handle=f"user-{i}").status_code == 201
        response = register(anon_client, email="u9@example.com", handle="user-9")
        assert response.status_code == 429
        body = response.json()
        assert body["retry_after"] >= 1
        assert int(response["Retry-After"]) == body["retry_after"]
        assert not User.objects.filter(handle="user-9").exists()


class TestLogin:
    def test_login_with_email_any_case(self, anon_client):
        UserFactory(email="ada@example.com")
        response = anon_client.post(LOGIN, {"email": "ADA@example.com", "password": DEFAULT_PASSWORD})
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}

    def test_bad_credentials_401(self, anon_client):
        UserFactory(email="ada@example.com")
        response = anon_client.post(LOGIN, {"email": "ada@example.com", "password": "wrong-password"})
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_inactive_user_cannot_log_in(self, anon_client):
        UserFactory(email="gone@example.com", is_active=False)
        response = anon_client.post(LOGIN, {"email": "gone@example.com", "password": DEFAULT_PASSWORD})
        assert response.status_code == 401

    def test_missing_fields_400(self, anon_client):
        assert anon_client.post(LOGIN, {}).status_code == 400

    def test_huge_email_is_a_400_not_a_database_error(self, anon_client):
        """On SQLite a 100,000-character e-mail made the case-insensitive lookup a LIKE pattern too complex (500)."""
        UserFactory(email="ada@example.com")
        response = anon_client.post(LOGIN, {"email": "a" * 100_000 + "@example.com", "password": DEFAULT_PASSWORD})
        assert response.status_code == 400
        assert "email" in response.json()

    def test_huge_password_is_a_400(self, anon_client):
        UserFactory(email="ada@example.com")
        response = anon_client.post(LOGIN, {"email": "ada@example.com", "password": "p" * 100_000})
        assert response.status_code == 400
        assert "password" in response.json()

    def test_backend_treats_a_huge_email_as_unknown(self):
        """Every caller of the authentication backend (admin login included) gets "no such user", not an error."""
        UserFactory(email="ada@example.com")
        assert authenticate(email="a" * 100_000 + "@example.com", password=DEFAULT_PASSWORD) is None
        assert authenticate(email="ADA@example.com", password=DEFAULT_PASSWORD) is not None

    def test_rate_limited_per_ip(self, anon_client, settings):
        settings.RATELIMIT_AUTH = "2/m"
        UserFactory(email="ada@example.com")
        for _ in range(2):
            anon_client.post(LOGIN, {"email": "ada@example.com", "password": "wrong"})
        response = anon_client.post(LOGIN, {"email": "ada@example.com", "password": DEFAULT_PASSWORD})
        assert response.status_code == 429
        assert "Retry-After" in response
        # another client address is counted separately
        other = anon_client.post(
            LOGIN, {"email": "ada@example.com", "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9"
        )
        assert other.status_code == 200


class TestTokens:
    def test_refresh_rotates_and_old_refresh_is_refused(self, anon_client, user):
        refresh = str(RefreshToken.for_user(user))
        first = anon_client.post(REFRESH, {"refresh": refresh})
        assert first.status_code == 200
        assert set(first.json()) == {"access", "refresh"}
        assert first.json()["refresh"] != refresh
        reuse = anon_client.post(REFRESH, {"refresh": refresh})
        assert reuse.status_code == 401
        assert anon_client.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200

    def test_garbage_refresh_401(self, anon_client):
        assert anon_client.post(REFRESH, {"refresh": "not-a-token"}).status_code == 401

    def test_logout_blacklists_refresh(self, anon_client, user):
        refresh = str(RefreshToken.for_user(user))
        assert anon_client.post(LOGOUT, {"refresh": refresh}).status_code == 205
        assert anon_client.post(REFRESH, {"refresh": refresh}).status_code == 401

    def test_logout_with_invalid_token_401(self, anon_client):
        assert anon_client.post(LOGOUT, {"refresh": "nope"}).status_code == 401
        assert anon_client.post(LOGOUT, {}).status_code == 400

    def test_expired_access_token_401(self, anon_client, user):
        from datetime import timedelta

        from rest_framework_simplejwt.tokens import AccessToken

        token = AccessToken.for_user(user)
        token.set_exp(lifetime=-timedelta(seconds=1))
        response = anon_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 401
        assert "detail" in response.json()

    def test_tampered_access_token_401(self, anon_client, user):
        token = str(RefreshToken.for_user(user).access_token)
        response = anon_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {token[:-2]}xx")
        assert response.status_code == 401


class TestPasswordChange:
    def test_change_password(self, auth_client, user, anon_client):
        old_refresh = str(RefreshToken.for_user(user))
        response = auth_client.post(PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": STRONG})
        assert response.status_code == 204
        user.refresh_from_db()
        assert user.check_password(STRONG)
        assert anon_client.post(LOGIN, {"email": user.email, "password": STRONG}).status_code == 200
        # sessions from before the change are ended
        assert anon_client.post(REFRESH, {"refresh": old_refresh}).status_code == 401

    def test_wrong_old_password(self, auth_client, user):
        response = auth_client.post(PASSWORD, {"old_password": "nope-nope", "new_password": STRONG})
        assert response.status_code == 400
        assert "old_password" in response.json()
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_weak_new_password(self, auth_client, user):
        response = auth_client.post(PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "123"})
        assert response.status_code == 400
        assert "new_password" in response.json()

    def test_needs_auth(self, anon_client):
        response = anon_client.post(PASSWORD, {"old_password": "a", "new_password": "b"})
        assert response.status_code == 401
