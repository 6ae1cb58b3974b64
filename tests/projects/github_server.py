"""A small HTTP server that answers like GitHub's REST API, for PyGithub to talk to in tests.

It serves recorded-style JSON for the repositories it is given, paginates commits with `Link`
headers (its own page size, whatever per_page asks), answers 404 like GitHub for anything else,
and can be told to answer the next requests with a primary (403) or secondary (429) rate limit.
Every request is recorded so tests can assert on paths and headers.
"""

import json
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository"}


def make_commit(sha: str, message: str, *, name="Alice", email="alice@example.com", minutes_ago=0) -> dict:
    date = (datetime(2026, 1, 15, 12, 0, tzinfo=UTC) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    person = {"name": name, "email": email, "date": date}
    return {"sha": sha, "message": message, "author": person}


@dataclass
class FakeRepo:
    full_name: str
    commits: list[dict] = field(default_factory=list)  # newest first, like GitHub
    stars: int = 42
    forks: int = 7
    open_issues: int = 3
    language: str = "Python"
    default_branch: str = "main"
    private: bool = False


class FakeGitHub:
    def __init__(self, page_size: int = 2):
        self.repos: dict[str, FakeRepo] = {}
        self.page_size = page_size
        self.requests: list[dict] = []
        self._rate_limits: list[tuple[int, int]] = []  # (status, seconds until reset)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    # --- configuration -----------------------------------------------------------------------

    def add_repo(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.full_name.lower()] = repo
        return repo

    def rate_limit_next(self, count: int = 1, *, status: int = 403, reset_in: int = 2) -> None:
        with self._lock:
            self._rate_limits.extend([(status, reset_in)] * count)

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    # --- answers -------------------------------------------------------------------------------

    def _repo_json(self, repo: FakeRepo) -> dict:
        owner, name = repo.full_name.split("/")
        api = f"{self.url}/repos/{repo.full_name}"
        return {
            "id": abs(hash(repo.full_name)) % 10**8,
            "node_id": "R_kgDOfake",
            "name": name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": {"login": owner, "id": 1, "type": "User", "url": f"{self.url}/users/{owner}"},
            "html_url": f"https://github.com/{repo.full_name}",
            "description": "A recorded repository.",
            "fork": False,
            "url": api,
            "commits_url": api + "/commits{/sha}",
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": "2026-01-15T12:00:00Z",
            "pushed_at": "2026-01-15T12:00:00Z",
            "stargazers_count": repo.stars,
            "watchers_count": repo.stars,
            "forks_count": repo.forks,
            "open_issues_count": repo.open_issues,
            "language": repo.language,
            "default_branch": repo.default_branch,
            "visibility": "private" if repo.private else "public",
        }

    def _commit_json(self, repo: FakeRepo, commit: dict) -> dict:
        api = f"{self.url}/repos/{repo.full_name}"
        return {
            "sha": commit["sha"],
            "node_id": "C_fake",
            "url": f"{api}/commits/{commit['sha']}",
            "html_url": f"https://github.com/{repo.full_name}/commit/{commit['sha']}",
            "commit": {
                "url": f"{api}/git/commits/{commit['sha']}",
                "message": commit["message"],
                "author": commit["author"],
                "committer": commit["author"],
                "tree": {"sha": "0" * 40, "url": f"{api}/git/trees/{'0' * 40}"},
                "comment_count": 0,
            },
            "author": None,
            "committer": None,
            "parents": [],
        }

    def handle(self, method: str, raw_path: str, headers) -> tuple[int, dict, object]:
        parts = urlsplit(raw_path)
        with self._lock:
            self.requests.append(
                {"method": method, "path": parts.path, "query": parts.query, "headers": headers, "at": time.time()}
            )
            limit = self._rate_limits.pop(0) if self._rate_limits else None
        if limit is not None:
            return self._rate_limited(*limit)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 3 and segments[0] == "repos":
            repo = self.repos.get(f"{segments[1]}/{segments[2]}".lower())
            if repo is not None and len(segments) == 3:
                return 200, {}, self._repo_json(repo)
            if repo is not None and segments[3:] == ["commits"]:
                return self._commits_page(repo, parts)
        return 404, {}, NOT_FOUND

    def _commits_page(self, repo: FakeRepo, parts) -> tuple[int, dict, object]:
        page = int(parse_qs(parts.query).get("page", ["1"])[0])
        start = (page - 1) * self.page_size
        items = repo.commits[start : start + self.page_size]
        last = max(1, -(-len(repo.commits) // self.page_size))
        base = f"{self.url}{parts.path}?per_page={self.page_size}"
        links = []
        if page < last:
            links.append(f'<{base}&page={page + 1}>; rel="next"')
            links.append(f'<{base}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        return 200, headers, [self._commit_json(repo, c) for c in items]

    def _rate_limited(self, status: int, reset_in: int) -> tuple[int, dict, object]:
        reset = int(time.time()) + reset_in
        if status == 429:
            headers = {"Retry-After": str(reset_in)}
            body = {
                "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
            }
        else:
            headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
            body = {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "https://docs.github.com"}
        return status, headers, body

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                status, headers, body = fake.handle("GET", self.path, dict(self.headers))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> "FakeGitHub":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def fake_github(page_size: int = 2):
    server = FakeGitHub(page_size=page_size).start()
    try:
        yield server
    finally:
        server.stop()
