"""The one place that talks to GitHub: PyGithub against settings.GITHUB_API_URL.

It returns plain dataclasses and raises the three errors below, so services never see PyGithub
types and the Celery task can tell "retry later" from "this will not work".
"""

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

import github
import requests
from django.conf import settings
from github import Auth, Github

REPO_URL_RE = re.compile(r"^https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")
# Never wait longer than this for a rate-limit window, whatever the headers say.
MAX_RATE_LIMIT_WAIT = 3600


class GitHubError(Exception):
    """The sync cannot succeed as things stand (bad repo, bad token, GitHub error)."""


class GitHubNotFound(GitHubError):
    pass


class GitHubRateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"GitHub rate limit reached; retrying in {retry_after}s.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class CommitData:
    sha: str
    message: str
    author_name: str
    author_email: str
    url: str
    committed_at: datetime | None


@dataclass
class RepoSnapshot:
    full_name: str
    stars: int
    forks: int
    open_issues: int
    language: str
    default_branch: str
    commits: list[CommitData] = field(default_factory=list)


def repo_full_name(repo_url: str) -> str | None:
    """`owner/repo` from `https://github.com/owner/repo`, or None when the URL is not a repository."""
    match = REPO_URL_RE.match(repo_url or "")
    return f"{match.group(1)}/{match.group(2)}" if match else None


def _client(token: str) -> Github:
    # retry=None: PyGithub's default retry sleeps through rate limits inside the worker; we retry
    # through Celery instead, which frees the worker and survives restarts.
    return Github(
        base_url=settings.GITHUB_API_URL,
        auth=Auth.Token(token) if token else None,
        per_page=100,
        retry=None,
        timeout=20,
        seconds_between_requests=None,
    )


def _header(headers: dict | None, name: str) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _rate_limit_wait(exc: github.GithubException) -> int | None:
    """Seconds until GitHub accepts requests again, if `exc` is a rate-limit answer; else None."""
    if exc.status not in (403, 429):
        return None
    retry_after = _header(exc.headers, "retry-after")
    remaining = _header(exc.headers, "x-ratelimit-remaining")
    reset = _header(exc.headers, "x-ratelimit-reset")
    limited = isinstance(exc, github.RateLimitExceededException) or retry_after or remaining == "0"
    if not limited:
        return None
    try:
        wait = int(retry_after) if retry_after else int(reset) - int(time.time()) if reset else 60
    except ValueError:
        wait = 60
    return min(max(wait, 1), MAX_RATE_LIMIT_WAIT)


def _commit_data(commit) -> CommitData:
    git_author = commit.commit.author
    return CommitData(
        sha=commit.sha,
        message=commit.commit.message or "",
        author_name=(git_author.name or "") if git_author else "",
        author_email=(git_author.email or "") if git_author else "",
        url=commit.html_url or "",
        committed_at=git_author.date if git_author else None,
    )


def fetch_repository(*, full_name: str, token: str = "", commit_limit: int | None = None) -> RepoSnapshot:
    """Repository metadata and its most recent commits (newest first, paginated by PyGithub)."""
    limit = settings.GITHUB_SYNC_COMMITS if commit_limit is None else commit_limit
    try:
        repo = _client(token).get_repo(full_name)
        snapshot = RepoSnapshot(
            full_name=repo.full_name,
            stars=repo.stargazers_count or 0,
            forks=repo.forks_count or 0,
            open_issues=repo.open_issues_count or 0,
            language=repo.language or "",
            default_branch=repo.default_branch or "",
        )
        snapshot.commits = [_commit_data(commit) for commit in islice(repo.get_commits(), limit)]
        return snapshot
    except github.UnknownObjectException as exc:
        raise GitHubNotFound(f"Repository {full_name} was not found on GitHub (404).") from exc
    except github.BadCredentialsException as exc:
        raise GitHubError("GitHub rejected the project's token (401 bad credentials).") from exc
    except github.GithubException as exc:
        wait = _rate_limit_wait(exc)
        if wait is not None:
            raise GitHubRateLimited(wait) from exc
        message = (exc.data or {}).get("message") if isinstance(exc.data, dict) else None
        raise GitHubError(f"GitHub answered {exc.status}: {message or 'error'}.") from exc
    except requests.RequestException as exc:
        raise GitHubError(f"GitHub could not be reached: {exc.__class__.__name__}.") from exc
