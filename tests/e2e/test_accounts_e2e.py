"""Accounts end to end: a real daphne process, e-mails through a real SMTP server on loopback (aiosmtpd),
GitHub login against a local server speaking GitHub's OAuth protocol. Everything over HTTP, as the SPA."""

import email
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from aiosmtpd.controller import Controller

from tests.live import daphne_server, free_port
from tests.users.github_oauth_server import CLIENT_ID, CLIENT_SECRET, GitHubAccount, fake_github_oauth

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(90)]
PASSWORD = "correct-horse-battery-42"
NEW_PASSWORD = "a-brand-new-passphrase-77"
REDIRECT = "http://localhost:3000/auth/github/callback"


class Inbox:
    def __init__(self):
        self.messages: list[email.message.Message] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"

    def wait_for(self, to: str, subject_word: str, timeout: float = 15.0) -> email.message.Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["To"] == to and subject_word in message["Subject"].lower():
                    return message
            time.sleep(0.1)
        raise AssertionError(f"no '{subject_word}' e-mail to {to}; got {[m['Subject'] for m in self.messages]}")


def link_params(message, path: str) -> dict:
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https?://\S+", body).group(0)
    parts = urlsplit(link)
    assert parts.path == path
    return {key: values[0] for key, values in parse_qs(parts.query).items()}


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_register_verify_reset_github_and_leave_over_http(tmp_path, inbox):
    handler, smtp_port = inbox
    with fake_github_oauth() as github:
        env = {
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "FRONTEND_URL": "http://localhost:3000",
            "EMAIL_VERIFICATION": "mandatory",
            "GITHUB_OAUTH_URL": github.url,
            "GITHUB_API_URL": github.url,
            "GITHUB_OAUTH_CLIENT_ID": CLIENT_ID,
            "GITHUB_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
            "GITHUB_OAUTH_REDIRECT_URIS": REDIRECT,
        }
        with daphne_server(tmp_path, **env) as server:
            api = f"{server.http_url}/api/v1"
            http = requests.Session()

            # Register: the verification e-mail arrives over SMTP; until verified, no posting.
            registered = http.post(
                f"{api}/auth/register/", json={"email": "ada@example.com", "password": PASSWORD, "handle": "ada"}
            )
            assert registered.status_code == 201, registered.text
            auth = {"Authorization": f"Bearer {registered.json()['access']}"}
            refused = http.post(f"{api}/posts/", json={"title": "Hi", "content": "x"}, headers=auth)
            assert (refused.status_code, refused.json()["code"]) == (403, "email_unverified")
            key = link_params(handler.wait_for("ada@example.com", "confirm"), "/verify-email")["key"]
            assert http.post(f"{api}/auth/email/verify/", json={"key": key}).json() == {"email_verified": True}
            assert http.post(f"{api}/posts/", json={"title": "Hi", "content": "x"}, headers=auth).status_code == 201

            # Password reset: same 202 for an unknown address, the known one gets the link.
            assert http.post(f"{api}/auth/password/reset/", json={"email": "nobody@example.com"}).status_code == 202
            assert http.post(f"{api}/auth/password/reset/", json={"email": "ada@example.com"}).status_code == 202
            params = link_params(handler.wait_for("ada@example.com", "reset"), "/reset-password")
            confirm = http.post(f"{api}/auth/password/reset/confirm/", json={**params, "new_password": NEW_PASSWORD})
            assert confirm.status_code == 204, confirm.text
            assert not any(m["To"] == "nobody@example.com" for m in handler.messages)
            login = http.post(f"{api}/auth/login/", json={"email": "ada@example.com", "password": NEW_PASSWORD})
            assert login.status_code == 200

            # GitHub login for the same verified address links to this account.
            start = http.get(f"{api}/auth/github/", params={"redirect_uri": REDIRECT}).json()
            github.approving = GitHubAccount.with_email(1, "ada-gh", "ada@example.com")
            back = requests.get(start["authorize_url"], allow_redirects=False, timeout=5).headers["Location"]
            grant = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
            signed_in = http.post(f"{api}/auth/github/", json=grant)
            assert signed_in.status_code == 200, signed_in.text
            assert (signed_in.json()["created"], signed_in.json()["user"]["handle"]) == (False, "ada")
            assert signed_in.json()["user"]["github_login"] == "ada-gh"

            # Leaving: erased, content kept under the placeholder, no way back in.
            auth = {"Authorization": f"Bearer {login.json()['access']}"}
            export = http.get(f"{api}/users/me/export/", headers=auth)
            assert export.status_code == 200 and "attachment" in export.headers["Content-Disposition"]
            assert http.delete(f"{api}/users/me/", json={"password": NEW_PASSWORD}, headers=auth).status_code == 204
            posts = http.get(f"{api}/posts/").json()["results"]
            assert posts[0]["author"] == {"id": None, "handle": "deleted", "name": "Deleted user", "avatar": ""}
            gone = http.post(f"{api}/auth/login/", json={"email": "ada@example.com", "password": NEW_PASSWORD})
            assert gone.status_code == 401
            # No request of the flow failed on the server (other apps' after-commit handlers log their own).
            assert not re.search(r'" 5\d\d ', server.log()), server.log()[-3000:]
