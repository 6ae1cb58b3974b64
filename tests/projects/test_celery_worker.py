"""A real `celery worker` process against Redis: POST sync/ → broker → worker → PyGithub → database.

The worker talks to the fake GitHub server running in this test process; GitHub answers the first
request with a rate limit, so the sync only completes if the task really retries after the reset.
"""

import os
import uuid

import pytest

from projects.models import Commit, Project, Task
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.live import celery_broker, redis_url_or_skip, start_celery_worker, wait_until
from tests.projects.github_server import FakeRepo, fake_github, make_commit

# This app's own Redis database, so no other helper's worker takes our tasks (and we not theirs).
PROJECTS_REDIS_DB = 4
# A queue of this run's own: other checkouts run this test on the same Redis database at the same
# time, and a shared "celery" queue let their workers take our tasks (and their purge drop them).
# Its keys and the worker's cache keys are removed afterwards.
WORKER_QUEUE = f"cn-test-worker-{uuid.uuid4().hex[:8]}"


def projects_redis_url() -> str:
    url = redis_url_or_skip()
    return url if os.environ.get("REDIS_URL") else f"{url.rsplit('/', 1)[0]}/{PROJECTS_REDIS_DB}"


@pytest.fixture
def broker():
    """Send tasks to Redis instead of running them in-process, for this test only."""
    with celery_broker(projects_redis_url(), WORKER_QUEUE) as url:
        yield url


@pytest.mark.e2e
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_worker_syncs_commits_after_post(broker, tmp_path, make_client):
    with fake_github(page_size=2) as github:
        github.add_repo(
            FakeRepo(
                "octo/live",
                commits=[
                    make_commit("a" * 40, "Closes #1", email="dev@example.com", minutes_ago=0),
                    make_commit("b" * 40, "second", minutes_ago=1),
                    make_commit("c" * 40, "first", minutes_ago=2),
                ],
            )
        )
        github.rate_limit_next(1, status=403, reset_in=2)
        owner = UserFactory()
        developer = UserFactory(email="dev@example.com")
        project = ProjectFactory(owner=owner, repo_url="https://github.com/octo/live")
        TaskFactory(project=project, title="Ship it")

        worker_started = start_celery_worker(
            tmp_path, broker=broker, queue=WORKER_QUEUE, GITHUB_API_URL=github.url, GITHUB_SYNC_COMMITS="10"
        )
        with worker_started as worker:
            response = make_client(owner).post(f"/api/v1/projects/{project.pk}/sync/")
            assert response.status_code == 202 and response.json() == {"sync_status": "queued"}
            assert Project.objects.get(pk=project.pk).sync_status == "queued"  # nothing ran in-process

            wait_until(
                lambda: Project.objects.get(pk=project.pk).sync_status in ("ok", "failed"),
                timeout=90,
                proc=worker,
                log_path=worker.log_path,
            )

        synced = Project.objects.get(pk=project.pk)
        assert (synced.sync_status, synced.sync_error, synced.github_full_name) == ("ok", "", "octo/live")
        commits = Commit.objects.filter(project=project)
        assert sorted(commits.values_list("sha", flat=True)) == ["a" * 40, "b" * 40, "c" * 40]
        assert commits.get(sha="a" * 40).author_id == developer.pk
        assert Task.objects.get(project=project, number=1).status == "done"
        # Rate limited first, then retried by the worker no sooner than GitHub's reset.
        repo_hits = [r for r in github.requests if r["path"] == "/repos/octo/live"]
        assert len(repo_hits) == 2
        assert repo_hits[1]["at"] - repo_hits[0]["at"] >= 1.0
        assert "Retry in" in worker.log_path.read_text(errors="replace")
