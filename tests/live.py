"""Real server processes for end-to-end tests: daphne (and celery) against the test database.

Tests that use these need `@pytest.mark.django_db(transaction=True)` so the data they create is
committed and visible to the server processes.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database the test session is using (the test database, not the real one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def redis_url_or_skip() -> str:
    """REDIS_URL when set; else the local Redis if one answers; else skip (fail in CI)."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis for multi-process tests and {url} does not answer: {exc}")
        pytest.skip(f"needs Redis for a shared channel layer; {url} does not answer")
    return url


def delete_redis_keys(url: str, *patterns: str) -> None:
    """Remove the keys a test left in Redis, by the patterns of its own key prefixes.

    The local default database is shared by every test run on the machine (and REDIS_URL's by the
    suite), so a test cleans up exactly what it created and never flushes a whole database."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        for pattern in patterns:
            keys = list(client.scan_iter(match=pattern, count=1000))
            if keys:
                client.delete(*keys)
    finally:
        client.close()


def server_env(**overrides) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="codenest.settings",
        CODENEST_TESTING="1",
        SECRET_KEY=settings.SECRET_KEY,
        DATABASE_URL=test_database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in overrides.items() if v is not None})
    return env


def wait_for_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class DaphneServer:
    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path):
        self.proc, self.port, self.log_path = proc, port, log_path
        self.http_url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"

    def kill(self) -> None:
        """Die like a crashed process: no clean shutdown."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def daphne_server(tmp_path: Path, **env_overrides):
    """Start `daphne codenest.asgi:application` on a free port; yield a DaphneServer."""
    port = free_port()
    log_path = tmp_path / f"daphne-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "codenest.asgi:application"],
            cwd=BASE_DIR,
            env=server_env(**env_overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = DaphneServer(proc, port, log_path)
    try:
        wait_for_http(f"{server.http_url}/healthz", proc=proc)
        yield server
    finally:
        stop(proc)


def drop_broker_connections() -> None:
    """Forget pooled broker connections and producers (as Celery does after a fork) so the next
    publish connects to the broker_url set now. The old pool is left open: code elsewhere may hold it."""
    from codenest import celery_app

    celery_app._after_fork()


def route_tasks_to(routes) -> None:
    """Apply conf.task_routes now (Celery caches the router built from them)."""
    from codenest import celery_app

    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


@contextmanager
def celery_broker(url: str, queue: str):
    """Send tasks to the broker at `url`, on a queue of this test's own, instead of running them
    in-process; the queue's keys are removed afterwards when the broker is Redis."""
    from codenest import celery_app

    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url, conf.task_routes)
    conf.task_always_eager, conf.broker_url = False, url
    route_tasks_to({"*": {"queue": queue}})
    drop_broker_connections()
    try:
        yield url
    finally:
        conf.task_always_eager, conf.broker_url = saved[:2]
        route_tasks_to(saved[2])
        drop_broker_connections()
        if url.startswith("redis"):
            delete_redis_keys(url, f"{queue}*", f"_kombu.binding*.{queue}*")


@contextmanager
def start_celery_worker(tmp_path: Path, *, broker: str, queue: str, **env_overrides):
    """A real `celery -A codenest worker` on `queue` of `broker`, against the test database; yields
    the process (its log is `tmp_path/celery-worker-<queue>.log`). Stopped on exit."""
    log_path = tmp_path / f"celery-worker-{queue}.log"
    env = server_env(
        REDIS_URL=broker,
        CELERY_BROKER_URL=broker,
        CELERY_TASK_ALWAYS_EAGER="0",
        CACHE_KEY_PREFIX=queue,
        CHANNEL_LAYER_PREFIX=queue,
        **env_overrides,
    )
    command = [sys.executable, "-m", "celery", "-A", "codenest", "worker", "--pool=solo", "--loglevel=info"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--queues", queue]
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    worker.log_path = log_path
    try:
        yield worker
    finally:
        stop(worker)


def wait_until(condition, *, timeout: float, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    pytest.fail(f"condition not met within {timeout}s (exit code {proc.poll()}); log:\n{log[-4000:]}")
