"""A real `celery worker` process against Redis: POST sync/ → broker → worker → PyGithub → database.

The worker talks to the fake GitHub server running in this test process; GitHub answers the first
request with a rate limit, so the sync only completes if the task really retries after the reset.
"""

import os
import subprocess
import sys
import time
import uuid

import pytest

from codenest import celery_app
from projects.models import Commit, Project, Task
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.live import BASE_DIR, delete_redis_keys, redis_url_or_skip, server_env, stop
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


def wait_until(condition, *, timeout: float, proc: subprocess.Popen, log_path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    pytest.fail(f"condition not met within {timeout}s (worker exit code {proc.poll()}); worker log:\n{log[-4000:]}")


def drop_broker_connections() -> None:
    """Forget pooled broker connections and producers (as Celery does after a fork) so the next
    publish connects to the broker_url set now. The old pool is left open: code elsewhere may hold it."""
    celery_app._after_fork()


def route_tasks_to(routes) -> None:
    """Apply conf.task_routes now (Celery caches the router built from them)."""
    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


@pytest.fixture
def broker():
    """Send tasks to Redis instead of running them in-process, for this test only."""
    url = projects_redis_url()
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_routes)
    conf.task_always_eager, conf.broker_url = False, url
    route_tasks_to({"*": {"queue": WORKER_QUEUE}})
    drop_broker_connections()
    try:
        yield url
    finally:
        conf.task_always_eager, conf.broker_url = saved[:2]
        route_tasks_to(saved[2])
        drop_broker_connections()
        delete_redis_keys(url, f"{WORKER_QUEUE}*", f"_kombu.binding*.{WORKER_QUEUE}*")


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

        log_path = tmp_path / "celery-worker.log"
        env = server_env(
            REDIS_URL=broker,
            CELERY_BROKER_URL=broker,
            CELERY_TASK_ALWAYS_EAGER="0",
            CACHE_KEY_PREFIX=WORKER_QUEUE,
            CHANNEL_LAYER_PREFIX=WORKER_QUEUE,
            GITHUB_API_URL=github.url,
            GITHUB_SYNC_COMMITS="10",
        )
        command = [sys.executable, "-m", "celery", "-A", "codenest", "worker", "--pool=solo", "--loglevel=info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--queues", WORKER_QUEUE]
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            response = make_client(owner).post(f"/api/v1/projects/{project.pk}/sync/")
            assert response.status_code == 202 and response.json() == {"sync_status": "queued"}
            assert Project.objects.get(pk=project.pk).sync_status == "queued"  # nothing ran in-process

            wait_until(
                lambda: Project.objects.get(pk=project.pk).sync_status in ("ok", "failed"),
                timeout=90,
                proc=worker,
                log_path=log_path,
            )
        finally:
            stop(worker)

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
        assert "Retry in" in log_path.read_text(errors="replace")
