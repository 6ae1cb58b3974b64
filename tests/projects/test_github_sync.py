"""GitHub sync through PyGithub against a local server that answers like GitHub's REST API.

Celery runs eagerly here (the test settings); tests/projects/test_celery_worker.py runs a real worker.
"""

from urllib.parse import parse_qs

import pytest

from projects import services
from projects.crypto import encrypt_secret
from projects.github import GitHubRateLimited
from projects.models import Commit, Project
from projects.tasks import resync_all_projects, sync_project
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.projects.github_server import FakeRepo, fake_github, make_commit

pytestmark = pytest.mark.django_db

REPO = "octo/nest"


def sha(n: int) -> str:
    return f"{n:040x}"


@pytest.fixture
def github(settings):
    with fake_github(page_size=2) as server:
        settings.GITHUB_API_URL = server.url
        settings.GITHUB_SYNC_COMMITS = 5
        yield server


@pytest.fixture
def linked(team):
    team.project.repo_url = f"https://github.com/{REPO}"
    team.project.save(update_fields=["repo_url"])
    return team


def recorded_commits(alice):
    """Seven commits, newest first; only the newest five are synced (GITHUB_SYNC_COMMITS=5)."""
    return [
        make_commit(sha(7), "Fix the parser, closes #1", name="Alice", email=alice.email.upper(), minutes_ago=0),
        make_commit(sha(6), "Resolves #99: no such task", name="Bob", email="bob@elsewhere.dev", minutes_ago=1),
        make_commit(sha(5), "fixes #2 and more", name="Alice", email=alice.email, minutes_ago=2),
        make_commit(sha(4), "Refactor", name="Carol", email="carol@example.com", minutes_ago=3),
        make_commit(sha(3), "Mention #1 without closing it", minutes_ago=4),
        make_commit(sha(2), "older, not synced", minutes_ago=5),
        make_commit(sha(1), "oldest, not synced", minutes_ago=6),
    ]


def test_sync_pulls_metadata_and_recent_commits(linked, github, captured, django_capture_on_commit_callbacks):
    alice = UserFactory()
    github.add_repo(FakeRepo(REPO, commits=recorded_commits(alice)))
    task1 = TaskFactory(project=linked.project, status="in_progress")
    task2 = TaskFactory(project=linked.project, status="done")

    with django_capture_on_commit_callbacks(execute=True):
        response = linked.client("maintainer").post(linked.url("sync/"))
    assert response.status_code == 202
    assert response.json() == {"sync_status": "queued"}

    project = Project.objects.get(pk=linked.project.pk)
    assert (project.sync_status, project.sync_error) == ("ok", "")
    assert project.last_synced_at is not None
    github_data = linked.client("viewer").get(linked.url()).json()["github"]
    assert {
        k: github_data[k] for k in ["full_name", "stars", "forks", "open_issues", "language", "default_branch"]
    } == {
        "full_name": REPO,
        "stars": 42,
        "forks": 7,
        "open_issues": 3,
        "language": "Python",
        "default_branch": "main",
    }
    # Paginated: pages of two via Link headers, stopping once five commits are in.
    assert github.paths() == [f"/repos/{REPO}"] + [f"/repos/{REPO}/commits"] * 3
    assert [parse_qs(r["query"])["page"] for r in github.requests[2:]] == [["2"], ["3"]]
    assert sorted(Commit.objects.values_list("sha", flat=True)) == [sha(n) for n in range(3, 8)]

    commits = linked.client("viewer").get(linked.url("commits/")).json()["results"]
    assert [c["sha"] for c in commits] == [sha(n) for n in (7, 6, 5, 4, 3)]
    newest = commits[0]
    assert newest["author"]["id"] == alice.pk  # matched by e-mail, case-insensitively
    assert newest["author_name"] == "Alice" and newest["task"] == 1
    assert newest["url"] == f"https://github.com/{REPO}/commit/{sha(7)}"
    assert newest["committed_at"] == "2026-01-15T12:00:00Z"
    assert commits[1]["author"] is None and commits[1]["task"] is None
    assert "email" not in str(commits) and "example.com" not in str(commits)

    task1.refresh_from_db()
    task2.refresh_from_db()
    assert (task1.status, task2.status) == ("done", "done")
    linked_pairs = [(k["commit"].sha, k["task"].number) for _, k in captured if "commit" in k]
    assert sorted(linked_pairs) == [(sha(5), 2), (sha(7), 1)]
    status_changes = [k for _, k in captured if "old_status" in k]
    assert [(k["task"].number, k["old_status"], k["new_status"], k["actor"]) for k in status_changes] == [
        (1, "in_progress", "done", None)
    ]


def test_sync_is_idempotent(linked, github):
    github.add_repo(FakeRepo(REPO, commits=recorded_commits(UserFactory())))
    task = TaskFactory(project=linked.project)
    sync_project.delay(linked.project.pk)
    task.status = "todo"  # reopened after the first sync
    task.save(update_fields=["status"])
    sync_project.delay(linked.project.pk)
    assert Commit.objects.count() == 5
    task.refresh_from_db()
    assert task.status == "todo"  # an already-seen commit does not close it again


def test_sync_with_private_token_sends_it_to_github(linked, github):
    github.add_repo(FakeRepo(REPO, private=True))
    Project.objects.filter(pk=linked.project.pk).update(github_token_encrypted=encrypt_secret("ghp_private"))
    sync_project.delay(linked.project.pk)
    assert github.requests[0]["headers"].get("Authorization") == "token ghp_private"
    assert Project.objects.get(pk=linked.project.pk).sync_status == "ok"


def test_sync_of_missing_repo_fails_clearly(linked, github, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = linked.client("owner").post(linked.url("sync/"))
    assert response.status_code == 202
    project = Project.objects.get(pk=linked.project.pk)
    assert project.sync_status == "failed"
    assert project.sync_error == f"Repository {REPO} was not found on GitHub (404)."
    assert linked.client("owner").get(linked.url()).json()["github"]["sync_error"] == project.sync_error
    assert not Commit.objects.exists()


@pytest.mark.parametrize("status", [403, 429])
def test_rate_limit_is_recognised_with_the_wait_github_asks_for(linked, github, status):
    github.add_repo(FakeRepo(REPO))
    github.rate_limit_next(1, status=status, reset_in=30)
    with pytest.raises(GitHubRateLimited) as info:
        services.project_sync_github(project_id=linked.project.pk)
    assert 28 <= info.value.retry_after <= 30
    project = Project.objects.get(pk=linked.project.pk)
    # Not failed: the task retries after the reset (see test_celery_worker for a real worker doing it).
    assert project.sync_status == "queued" and "rate limit" in project.sync_error


def test_rate_limit_without_a_worker_fails_with_the_reason(linked, github):
    """Eager mode (no broker) cannot wait for the reset inside the request: it says so and stops."""
    github.add_repo(FakeRepo(REPO))
    github.rate_limit_next(1, status=403, reset_in=30)
    assert sync_project.delay(linked.project.pk).get() == "failed"
    project = Project.objects.get(pk=linked.project.pk)
    assert project.sync_status == "failed" and "rate limit" in project.sync_error
    assert github.paths() == [f"/repos/{REPO}"]


def test_rate_limit_gives_up_after_max_retries(linked, github):
    github.add_repo(FakeRepo(REPO))
    github.rate_limit_next(1, status=429, reset_in=1)
    sync_project.push_request(retries=sync_project.max_retries, is_eager=False)
    try:
        assert sync_project.run(linked.project.pk) == "failed"
    finally:
        sync_project.pop_request()
    project = Project.objects.get(pk=linked.project.pk)
    assert project.sync_status == "failed" and "Gave up after 5 retries" in project.sync_error


def test_other_github_errors_fail_with_the_status(linked, github, settings):
    settings.GITHUB_API_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    assert sync_project.delay(linked.project.pk).get() == "done"
    project = Project.objects.get(pk=linked.project.pk)
    assert project.sync_status == "failed" and project.sync_error.startswith("GitHub could not be reached")


@pytest.mark.parametrize("who, code", [("owner", 202), ("maintainer", 202), ("developer", 403), ("viewer", 403),
                                       ("outsider", 403), ("anon", 401)])  # fmt: skip
def test_sync_permissions(linked, github, django_capture_on_commit_callbacks, who, code):
    github.add_repo(FakeRepo(REPO))
    with django_capture_on_commit_callbacks(execute=True):
        assert linked.client(who).post(linked.url("sync/")).status_code == code
    expected = "ok" if code == 202 else "never"
    assert Project.objects.get(pk=linked.project.pk).sync_status == expected


def test_sync_without_repo_url_is_400(team, github):
    response = team.client("owner").post(team.url("sync/"))
    assert response.status_code == 400 and "repo_url" in response.json()
    assert Project.objects.get(pk=team.project.pk).sync_status == "never"
    assert github.requests == []


def test_sync_of_private_project_is_404_to_outsiders(private_team, github):
    assert private_team.client("outsider").post(private_team.url("sync/")).status_code == 404
    assert private_team.client("outsider").get(private_team.url("commits/")).status_code == 404


def test_commits_list_query_count_is_fixed(linked, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    task = TaskFactory(project=linked.project)
    Commit.objects.create(project=linked.project, sha=sha(1), message="a", author=linked.owner, task=task)
    client = linked.client("viewer")
    with CaptureQueriesContext(connection) as one:
        client.get(linked.url("commits/"))
    for n in range(2, 9):
        Commit.objects.create(project=linked.project, sha=sha(n), message="b", author=UserFactory(), task=task)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(linked.url("commits/")).json()["count"] == 8


def test_beat_job_queues_every_linked_project(github):
    github.add_repo(FakeRepo(REPO, commits=[make_commit(sha(1), "init")]))
    linked = ProjectFactory(repo_url=f"https://github.com/{REPO}")
    ProjectFactory(repo_url="")  # not linked
    ProjectFactory(repo_url=f"https://github.com/{REPO}", status="archived")
    assert resync_all_projects.delay().get() == 1
    assert Project.objects.get(pk=linked.pk).sync_status == "ok"
    assert Commit.objects.filter(project=linked).count() == 1
