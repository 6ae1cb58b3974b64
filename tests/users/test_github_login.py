"""GitHub login for the SPA: the real social-core client against a local server speaking GitHub's OAuth."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone
from social_django.models import UserSocialAuth

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.live import free_port
from tests.users.github_oauth_server import CLIENT_ID, CLIENT_SECRET, GitHubAccount, fake_github_oauth
from users.models import User

pytestmark = pytest.mark.django_db
GITHUB = "/api/v1/auth/github/"
REDIRECT = "http://localhost:3000/auth/github/callback"


@pytest.fixture
def github(settings):
    with fake_github_oauth() as fake:
        settings.GITHUB_OAUTH_URL = fake.url
        settings.GITHUB_API_URL = fake.url
        settings.GITHUB_OAUTH_CLIENT_ID = CLIENT_ID
        settings.GITHUB_OAUTH_CLIENT_SECRET = CLIENT_SECRET
        settings.GITHUB_OAUTH_REDIRECT_URIS = [REDIRECT]
        yield fake


def authorize(client, fake, account) -> dict:
    """What the SPA and the browser do: ask us where to go, let GitHub redirect back with code + state."""
    start = client.get(GITHUB, {"redirect_uri": REDIRECT})
    assert start.status_code == 200, start.content
    fake.approving = account
    answer = requests.get(start.json()["authorize_url"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert back["state"][0] == start.json()["state"]
    return {"code": back["code"][0], "state": back["state"][0]}


def login(client, fake, account):
    return client.post(GITHUB, authorize(client, fake, account))


OCTOCAT = GitHubAccount.with_email(583231, "octocat", "octo@example.com", name="The Octocat")


class TestAuthorize:
    def test_authorize_url_points_at_github_with_a_signed_state(self, anon_client, github):
        body = anon_client.get(GITHUB, {"redirect_uri": REDIRECT}).json()
        url = urlsplit(body["authorize_url"])
        assert f"{url.scheme}://{url.netloc}{url.path}" == f"{github.url}/login/oauth/authorize"
        query = parse_qs(url.query)
        assert query["client_id"] == [CLIENT_ID]
        assert query["redirect_uri"] == [REDIRECT]
        assert query["state"] == [body["state"]]
        assert "user:email" in query["scope"][0]

    @pytest.mark.parametrize("query", [{}, {"redirect_uri": "https://evil.example/cb"}, {"redirect_uri": "x" * 600}])
    def test_redirect_uri_must_be_allowed(self, anon_client, github, query):
        response = anon_client.get(GITHUB, query)
        assert response.status_code == 400
        assert "redirect_uri" in response.json()

    def test_not_configured_400(self, anon_client, github, settings):
        settings.GITHUB_OAUTH_CLIENT_ID = ""
        assert anon_client.get(GITHUB, {"redirect_uri": REDIRECT}).status_code == 400


class TestLogin:
    def test_new_account_is_created_verified_with_a_handle_from_the_login(self, anon_client, github):
        response = login(anon_client, github, OCTOCAT)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["created"] is True
        me = body["user"]
        assert (me["handle"], me["name"], me["email"]) == ("octocat", "The Octocat", "octo@example.com")
        assert (me["email_verified"], me["has_password"], me["github_login"]) == (True, False, "octocat")
        assert me["github_url"] == "https://github.com/octocat"
        # The tokens are ours and work.
        anon_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
        assert anon_client.get("/api/v1/users/me/").json()["id"] == me["id"]
        link = UserSocialAuth.objects.get(provider="github")
        assert (link.uid, link.user_id) == ("583231", me["id"])
        assert "access_token" not in link.extra_data  # GitHub's token is not kept
        # The protocol went through GitHub's endpoints with our client secret.
        exchange = next(r for r in github.requests if r["path"] == "/login/oauth/access_token")
        assert exchange["form"]["client_secret"] == CLIENT_SECRET
        assert exchange["form"]["redirect_uri"] == REDIRECT
        assert {"/user", "/user/emails"} <= set(github.paths())

    def test_second_login_signs_in_the_linked_user(self, anon_client, github):
        first = login(anon_client, github, OCTOCAT).json()
        # Even after the e-mail changed on GitHub, the GitHub user id finds the account.
        moved = GitHubAccount.with_email(583231, "octocat", "new@example.com")
        second = login(anon_client, github, moved)
        assert second.status_code == 200
        assert (second.json()["created"], second.json()["user"]["id"]) == (False, first["user"]["id"])
        assert User.objects.count() == 1

    def test_links_to_the_user_with_the_verified_primary_email(self, anon_client, github):
        local = UserFactory(email="Octo@Example.com", handle="grace")
        response = login(anon_client, github, OCTOCAT)
        assert response.status_code == 200
        assert (response.json()["created"], response.json()["user"]["id"]) == (False, local.pk)
        assert response.json()["user"]["github_login"] == "octocat"
        local.refresh_from_db()
        assert local.email_verified  # GitHub vouched for the same address
        assert local.github_url == "https://github.com/octocat"

    def test_unverified_github_email_never_links_to_an_existing_user(self, anon_client, github):
        local = UserFactory(email="octo@example.com")
        unverified = GitHubAccount.with_email(9, "mallory", "octo@example.com", verified=False)
        response = login(anon_client, github, unverified)
        assert response.status_code == 400
        assert not UserSocialAuth.objects.exists()
        assert User.objects.count() == 1
        local.refresh_from_db()
        assert not local.email_verified

    def test_unverified_email_and_no_match_creates_nobody(self, anon_client, github):
        response = login(anon_client, github, GitHubAccount.with_email(9, "newbie", "n@example.com", verified=False))
        assert response.status_code == 400
        assert not User.objects.exists()

    def test_handle_is_made_unique_and_valid(self, anon_client, github):
        UserFactory(handle="the-octo_cat")
        account = GitHubAccount.with_email(77, "The.Octo_Cat", "t@example.com")
        response = login(anon_client, github, account)
        assert response.status_code == 200
        assert response.json()["user"]["handle"] == "the-octo_cat-2"

    def test_signed_in_caller_links_github_to_their_account(self, make_client, github):
        me = UserFactory(email="someone@else.org")
        client = make_client(me)
        response = login(client, github, OCTOCAT)
        assert response.status_code == 200
        assert (response.json()["user"]["id"], response.json()["created"]) == (me.pk, False)
        assert UserSocialAuth.objects.get().user_id == me.pk

    def test_github_account_linked_elsewhere_cannot_be_linked_again(self, make_client, anon_client, github):
        login(anon_client, github, OCTOCAT)
        other = UserFactory()
        response = login(make_client(other), github, OCTOCAT)
        assert response.status_code == 400
        assert UserSocialAuth.objects.get().user.handle == "octocat"

    def test_erased_or_deactivated_account_cannot_sign_in(self, anon_client, github):
        login(anon_client, github, OCTOCAT)
        User.objects.update(is_active=False)
        assert login(anon_client, github, OCTOCAT).status_code == 400


class TestBadInput:
    def test_tampered_state_400(self, anon_client, github):
        grant = authorize(anon_client, github, OCTOCAT)
        response = anon_client.post(GITHUB, {**grant, "state": grant["state"][:-2] + "xx"})
        assert response.status_code == 400
        assert "state" in response.json()
        assert not User.objects.exists()

    def test_state_works_once(self, anon_client, github):
        grant = authorize(anon_client, github, OCTOCAT)
        assert anon_client.post(GITHUB, grant).status_code == 200
        again = anon_client.post(GITHUB, grant)
        assert again.status_code == 400
        assert "state" in again.json()

    def test_expired_state_400(self, anon_client, github):
        grant = authorize(anon_client, github, OCTOCAT)
        with time_machine.travel(timezone.now() + timedelta(minutes=11)):
            response = anon_client.post(GITHUB, grant)
        assert response.status_code == 400
        assert "state" in response.json()

    def test_bad_code_400(self, anon_client, github):
        grant = authorize(anon_client, github, OCTOCAT)
        response = anon_client.post(GITHUB, {**grant, "code": "not-a-code"})
        assert response.status_code == 400
        assert not User.objects.exists()

    @pytest.mark.parametrize(
        "body", [{}, {"code": "x"}, {"state": "y"}, {"code": ["a"], "state": 5}, {"code": "x" * 300, "state": "s"}]
    )
    def test_malformed_body_400(self, anon_client, github, body):
        assert anon_client.post(GITHUB, body, format="json").status_code == 400

    def test_github_unreachable_503(self, anon_client, github, settings):
        grant = authorize(anon_client, github, OCTOCAT)
        settings.GITHUB_OAUTH_URL = f"http://127.0.0.1:{free_port()}"
        response = anon_client.post(GITHUB, grant)
        assert response.status_code == 503
        assert not User.objects.exists()

    def test_rate_limited(self, anon_client, github, settings):
        settings.RATELIMIT_AUTH = "2/m"
        for _ in range(2):
            anon_client.get(GITHUB, {"redirect_uri": REDIRECT})
        response = anon_client.post(GITHUB, {"code": "a", "state": "b"})
        assert response.status_code == 429
        assert "Retry-After" in response


class TestUnlink:
    def test_unlink_needs_a_usable_password(self, anon_client, make_client, github):
        body = login(anon_client, github, OCTOCAT).json()
        user = User.objects.get(pk=body["user"]["id"])
        response = make_client(user).delete(f"{GITHUB}link/")
        assert response.status_code == 400
        assert UserSocialAuth.objects.filter(user=user).exists()

    def test_unlink_with_a_password(self, make_client, github):
        me = UserFactory()
        client = make_client(me)
        login(client, github, OCTOCAT)
        assert client.get("/api/v1/users/me/").json()["github_login"] == "octocat"
        assert client.delete(f"{GITHUB}link/").status_code == 204
        assert client.get("/api/v1/users/me/").json()["github_login"] is None
        assert client.delete(f"{GITHUB}link/").status_code == 204  # idempotent
        assert me.check_password(DEFAULT_PASSWORD)

    def test_anonymous_401(self, anon_client):
        assert anon_client.delete(f"{GITHUB}link/").status_code == 401

    def test_unlink_rate_limited(self, make_client, settings):
        settings.RATELIMIT_ACCOUNT = "1/h"
        client = make_client(UserFactory())
        assert client.delete(f"{GITHUB}link/").status_code == 204
        assert client.delete(f"{GITHUB}link/").status_code == 429
