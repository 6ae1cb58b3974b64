"""A small HTTP server that speaks GitHub's OAuth web flow and user API, for social-core to talk to.

Mirrors tests/projects/github_server.py (the REST fake for PyGithub):

- `GET /login/oauth/authorize?client_id&redirect_uri&state&scope` — the user "approves" at once: 302 to
  `redirect_uri?code=...&state=...` (a test follows it by hand, as the SPA's browser would).
- `POST /login/oauth/access_token` (form: client_id, client_secret, code, redirect_uri) — like GitHub,
  200 with `{"access_token", "token_type", "scope"}`, or 200 with `{"error": "bad_verification_code"}`
  for an unknown, used or mismatched code (codes work once, for the redirect URI they were issued to).
- `GET /user`, `GET /user/emails` with `Authorization: token <access token>` — the account's profile
  and its e-mail list (`primary`, `verified`), 401 `Bad credentials` otherwise.
Every request is recorded so tests can assert on what the client sent.
"""

import json
import secrets
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret"


@dataclass
class GitHubAccount:
    id: int
    login: str
    name: str = ""
    emails: list[dict] = field(default_factory=list)  # [{"email", "primary", "verified"}]

    @classmethod
    def with_email(cls, id: int, login: str, email: str, *, verified=True, name=""):
        entry = {"email": email, "primary": True, "verified": verified, "visibility": "private"}
        return cls(id=id, login=login, name=name, emails=[entry])


class FakeGitHubOAuth:
    def __init__(self):
        self.requests: list[dict] = []
        self.codes: dict[str, dict] = {}  # code → {"account", "redirect_uri"}
        self.tokens: dict[str, GitHubAccount] = {}
        self.approving: GitHubAccount | None = None  # the account the next authorize signs in
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- driving it from a test ----------------------------------------------------------------

    def issue_code(self, account: GitHubAccount, redirect_uri: str) -> str:
        code = secrets.token_hex(10)
        with self._lock:
            self.codes[code] = {"account": account, "redirect_uri": redirect_uri}
        return code

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    # --- answers -------------------------------------------------------------------------------

    def authorize(self, query: dict) -> tuple[int, dict, object]:
        if query.get("client_id") != CLIENT_ID or self.approving is None:
            return 404, {}, {"message": "Not Found"}
        code = self.issue_code(self.approving, query["redirect_uri"])
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, None

    def access_token(self, form: dict) -> tuple[int, dict, object]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 200, {}, {"error": "incorrect_client_credentials", "error_description": "Bad client."}
        with self._lock:
            grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 200, {}, {"error": "bad_verification_code", "error_description": "The code is incorrect or expired."}
        token = "gho_" + secrets.token_hex(16)
        self.tokens[token] = grant["account"]
        return 200, {}, {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}

    def api(self, path: str, headers) -> tuple[int, dict, object]:
        auth = headers.get("Authorization", "")
        account = self.tokens.get(auth.split(" ", 1)[1]) if " " in auth else None
        if account is None:
            return 401, {}, {"message": "Bad credentials"}
        if path == "/user":
            primary = next((e["email"] for e in account.emails if e["primary"]), None)
            return (
                200,
                {},
                {
                    "login": account.login,
                    "id": account.id,
                    "name": account.name or None,
                    "email": primary,  # GitHub shows the public e-mail here, verified or not
                    "html_url": f"https://github.com/{account.login}",
                    "type": "User",
                },
            )
        if path == "/user/emails":
            return 200, {}, account.emails
        return 404, {}, {"message": "Not Found"}

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status, headers, body):
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                fake.requests.append(
                    {"method": "GET", "path": parts.path, "query": query, "headers": dict(self.headers)}
                )
                if parts.path == "/login/oauth/authorize":
                    self._answer(*fake.authorize(query))
                else:
                    self._answer(*fake.api(parts.path, self.headers))

            def do_POST(self):
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(raw).items()}
                fake.requests.append(
                    {"method": "POST", "path": parts.path, "form": form, "headers": dict(self.headers)}
                )
                if parts.path == "/login/oauth/access_token":
                    self._answer(*fake.access_token(form))
                else:
                    self._answer(404, {}, {"message": "Not Found"})

            def log_message(self, *args):
                pass

        return Handler

    def start(self) -> "FakeGitHubOAuth":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_github_oauth():
    fake = FakeGitHubOAuth().start()
    try:
        yield fake
    finally:
        fake.stop()
