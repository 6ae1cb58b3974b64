"""What a new user meets: .env copied from .env.example, make worker / make beat, a worker without a secret.

Each check runs real processes (python reading the settings, `celery worker`, `make`) in the
environment a user or docker compose would give them.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest
import yaml

from tests.live import BASE_DIR

# The settings a developer's .env could change and the suite depends on.
DUMP_SETTINGS = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("settings_under_test", sys.argv[1])
settings = importlib.util.module_from_spec(spec)
spec.loader.exec_module(settings)
names = ["DEBUG", "TESTING", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
         "CORS_ALLOWED_ORIGINS", "RATELIMIT_AUTH", "RATELIMIT_POSTS", "RATELIMIT_CHAT", "EMAIL_BACKEND",
         "CELERY_TASK_ALWAYS_EAGER", "SIMPLE_JWT", "SITE_URL", "GITHUB_API_URL", "SECRET_KEY_REQUIRED"]
print(json.dumps({name: getattr(settings, name, None) for name in names}, default=str, sort_keys=True))
"""


def dotenv_values(path) -> dict:
    """KEY=value lines, as docker compose and django-environ read them (no quoting in .env.example)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def settings_in(project_dir, env: dict) -> dict:
    """The settings module of this checkout, loaded from `project_dir` (so it reads that .env)."""
    settings_file = project_dir / "codenest" / "settings.py"
    result = subprocess.run(
        [sys.executable, "-c", DUMP_SETTINGS, str(settings_file)],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def checkout_with_dotenv(tmp_path):
    """A copy of the settings next to a .env copied from .env.example, as the README tells users to do."""
    (tmp_path / "codenest").mkdir()
    shutil.copy(BASE_DIR / "codenest" / "settings.py", tmp_path / "codenest" / "settings.py")
    shutil.copy(BASE_DIR / ".env.example", tmp_path / ".env")
    return tmp_path


# Services a fresh clone does not have: processes started here run on the embedded defaults, so they
# neither consume the suite's Redis queues nor leave keys there.
SERVICE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}


def bare_env(**overrides) -> dict:
    """The caller's environment without CodeNest's own variables: what a new user's shell has."""
    skip = SERVICE_VARIABLES | set(dotenv_values_example())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODENEST_") and k not in skip}
    env.update(overrides)
    return env


def dotenv_values_example() -> dict:
    return dotenv_values(BASE_DIR / ".env.example")


# --- tests ignore .env -------------------------------------------------------------------------------


def test_test_configuration_switches_dotenv_off():
    """pyproject.toml's pytest env sets the switch explicitly; nothing guesses from sys.modules."""
    assert os.environ["CODENEST_READ_DOTENV"] == "0"
    assert os.environ["CODENEST_TESTING"] == "1"


# What a process that imports pytest (a script, a REPL, a tool's plugin) sees of the settings.
SETTINGS_AFTER_IMPORTING_PYTEST = """
import json, sys
import pytest, django
django.setup()
from django.conf import settings
print(json.dumps({"pytest_imported": "pytest" in sys.modules, "TESTING": settings.TESTING,
                  "SECRET_KEY": settings.SECRET_KEY, "SECRET_KEY_REQUIRED": settings.SECRET_KEY_REQUIRED,
                  "PASSWORD_HASHERS": settings.PASSWORD_HASHERS}))
"""


def test_importing_pytest_does_not_switch_test_settings_on():
    """Only CODENEST_TESTING does: without it a process that imports pytest gets production settings,
    not the public development key that tests sign with."""
    env = bare_env(CODENEST_READ_DOTENV="0", DJANGO_SETTINGS_MODULE="codenest.settings")

    def settings_seen(env: dict) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", SETTINGS_AFTER_IMPORTING_PYTEST], cwd=BASE_DIR, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    plain = settings_seen(env)
    testing = settings_seen({**env, "CODENEST_TESTING": "1"})  # the control: what the suite runs with
    assert plain["pytest_imported"] and testing["pytest_imported"]
    assert (plain["TESTING"], plain["SECRET_KEY_REQUIRED"]) == (False, True)
    assert (testing["TESTING"], testing["SECRET_KEY_REQUIRED"]) == (True, False)
    assert plain["SECRET_KEY"] != testing["SECRET_KEY"]  # a throwaway key, never the public one
    assert plain["PASSWORD_HASHERS"] != testing["PASSWORD_HASHERS"]  # no fast test hasher either

    # And such a process cannot serve: without a real secret the WSGI application refuses to load.
    served = subprocess.run(
        [sys.executable, "-c", "import pytest; import codenest.wsgi"], cwd=BASE_DIR, env=env,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert served.returncode != 0 and "Set the SECRET_KEY environment variable" in served.stderr


def test_a_copied_dotenv_changes_nothing_the_suite_sees(checkout_with_dotenv, tmp_path_factory):
    without_dotenv = tmp_path_factory.mktemp("plain")
    (without_dotenv / "codenest").mkdir()
    shutil.copy(BASE_DIR / "codenest" / "settings.py", without_dotenv / "codenest" / "settings.py")

    suite_env = dict(os.environ)  # what the tests and the servers they start run with
    with_dotenv = settings_in(checkout_with_dotenv, suite_env)
    assert with_dotenv == settings_in(without_dotenv, suite_env)
    assert with_dotenv["DEBUG"] is False and with_dotenv["SECURE_SSL_REDIRECT"] is False

    # The control: outside the tests the same .env is read (DEBUG=1 comes from it).
    outside_tests = {k: v for k, v in suite_env.items() if k != "CODENEST_READ_DOTENV"}
    assert settings_in(checkout_with_dotenv, outside_tests)["DEBUG"] is True


# --- .env.example as copied: make run and docker compose ----------------------------------------------


def test_dotenv_example_as_copied_works_for_make_run(checkout_with_dotenv):
    """`make run` passes CODENEST_DEFAULT_DEBUG=1; .env.example's values are development values."""
    settings = settings_in(checkout_with_dotenv, bare_env(CODENEST_DEFAULT_DEBUG="1"))
    assert settings["DEBUG"] is True
    assert settings["SECRET_KEY"] == dotenv_values_example()["SECRET_KEY"]
    assert "127.0.0.1" in settings["ALLOWED_HOSTS"]


def compose_environment(service: str, dotenv: dict) -> dict:
    """The environment docker compose gives `service`: env_file (.env), then `environment` interpolated
    from .env (`${NAME:-default}`, `${NAME:?error}`), which wins."""
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    declared = compose["services"][service]["environment"]

    def interpolate(value: str) -> str:
        def one(match):
            name, op, arg = match.group(1), match.group(2), match.group(3)
            if dotenv.get(name):
                return dotenv[name]
            if op == ":?":
                raise AssertionError(f"compose refuses to start: {arg}")
            return arg

        return re.sub(r"\$\{(\w+)(:-|:\?)([^}]*)\}", one, str(value))

    env = dict(dotenv)
    env.update({name: interpolate(value) for name, value in declared.items()})
    return env


def compose_settings(dotenv: dict) -> dict:
    # In the container there is no .env file (.dockerignore); compose passes its values as variables.
    env = bare_env(CODENEST_READ_DOTENV="0", **compose_environment("web", dotenv))
    return settings_in(BASE_DIR, env)


def test_dotenv_example_as_copied_works_for_docker_compose():
    settings = compose_settings(dotenv_values_example())
    assert settings["DEBUG"] is True  # development mode, as the comment at the top of .env.example says


def test_compose_with_debug_off_serves_plain_http_on_localhost():
    """Flipping DEBUG=0 (and a real key) in the copied .env must not redirect http://localhost to https."""
    dotenv = dict(dotenv_values_example(), DEBUG="0", SECRET_KEY=secrets.token_urlsafe(64))
    settings = compose_settings(dotenv)
    assert settings["DEBUG"] is False and settings["SECRET_KEY_REQUIRED"] is True
    assert settings["SECURE_SSL_REDIRECT"] is False
    # Outside compose, production settings still redirect by default.
    outside = settings_in(BASE_DIR, bare_env(CODENEST_READ_DOTENV="0", DEBUG="0", SECRET_KEY=dotenv["SECRET_KEY"]))
    assert outside["SECURE_SSL_REDIRECT"] is True


def production_env(**overrides) -> dict:
    env = bare_env(CODENEST_READ_DOTENV="0", DEBUG="0", ALLOWED_HOSTS="codenest.example.com")
    env.pop("SECRET_KEY", None)
    env.update(overrides)
    return env


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("change-me-to-a-long-random-string", "SECRET_KEY is still a placeholder"),  # .env.example's
        ("change-me-" + "x" * 60, "SECRET_KEY is still a placeholder"),
        ("short-but-random-Q7x", "SECRET_KEY is too weak for production"),
        ("django-insecure-" + secrets.token_urlsafe(50), "SECRET_KEY is too weak for production"),
    ],
)
def test_production_server_refuses_a_placeholder_or_weak_secret(secret, message):
    """(A missing one: tests/api/test_ops.py.)"""
    served = subprocess.run(
        [sys.executable, "-c", "import codenest.wsgi"], cwd=BASE_DIR, env=production_env(SECRET_KEY=secret),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert served.returncode != 0 and message in served.stderr


def test_deploy_check_refuses_the_placeholder_secret():
    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR,
        env=production_env(SECRET_KEY=dotenv_values_example()["SECRET_KEY"]), capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert checked.returncode != 0
    assert "codenest.E001" in checked.stderr and "SECRET_KEY is still a placeholder" in checked.stderr


# --- Celery worker and beat -------------------------------------------------------------------------


def run_until(command: list[str], env: dict, needle: str, timeout: float = 90) -> tuple[int | None, str]:
    """Start `command`; stop it once `needle` is in its output, or let it exit.

    Returns (exit code, or None when it was still running and stopped here; its output)."""
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None and needle not in output():
            time.sleep(0.2)
        if proc.poll() is not None:
            return proc.returncode, output()
        stop_group(proc)
        return None, output()


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_group(proc: subprocess.Popen, grace: float = 20) -> None:
    """Stop the process and everything it started (make → celery → pool children): TERM, then KILL
    whatever is left after `grace` seconds, so no worker outlives the test."""
    os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and (proc.poll() is None or group_alive(proc.pid)):
        time.sleep(0.2)
    if group_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


WORKER = [sys.executable, "-m", "celery", "-A", "codenest", "worker", "--pool=solo", "--without-gossip",
          "--without-mingle", "--without-heartbeat", "--loglevel=info"]  # fmt: skip


@pytest.mark.e2e
@pytest.mark.timeout(120)
@pytest.mark.parametrize("secret", [None, "change-me-to-a-long-random-string"])
def test_celery_worker_exits_without_a_usable_secret(secret):
    """Celery swallows errors raised by worker_init receivers and started anyway, on a random key."""
    env = production_env(**({"SECRET_KEY": secret} if secret else {}))
    code, output = run_until(WORKER, env, needle=" ready.")
    assert code is not None and code != 0, output
    assert " ready." not in output
    expected = "Set the SECRET_KEY environment variable" if secret is None else "SECRET_KEY is still a placeholder"
    assert expected in output


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_celery_worker_starts_with_a_real_secret():
    """The control: the same production environment with a real key gets a running worker."""
    code, output = run_until(WORKER, production_env(SECRET_KEY=secrets.token_urlsafe(64)), needle=" ready.")
    assert code is None and " ready." in output, output


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_celery_worker_logs_through_djangos_logging():
    """Celery leaves the root logger to settings.LOGGING (codenest/celery.py): the worker's lines have
    LOGGING's format, not Celery's own "[time: LEVEL/MainProcess] message"."""
    code, output = run_until(WORKER, production_env(SECRET_KEY=secrets.token_urlsafe(64)), needle=" ready.")
    assert code is None, output
    logged = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO celery\.apps\.worker \[\d+\] \S+ ready\.$"
    assert re.search(logged, output, re.MULTILINE), output
    assert "/MainProcess]" not in output, output


def test_every_task_has_a_soft_and_a_hard_time_limit():
    """No task holds a worker forever: the defaults from settings, or the task's own longer ones."""
    from codenest.celery import app

    app.loader.import_default_modules()
    limits = {
        name: (task.soft_time_limit or app.conf.task_soft_time_limit, task.time_limit or app.conf.task_time_limit)
        for name, task in app.tasks.items()
        if not name.startswith("celery.")
    }
    assert len(limits) >= 10 and "notifications.tasks.send_digests" in limits
    assert {name: (soft, hard) for name, (soft, hard) in limits.items() if not 0 < soft < hard} == {}
    assert limits["notifications.tasks.send_digests"][0] > app.conf.task_soft_time_limit  # mails everyone


@pytest.mark.e2e
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("target", "needle"), [("worker", " ready."), ("beat", "beat: Starting...")])
def test_make_worker_and_beat_use_the_make_run_defaults(target, needle):
    """No DEBUG, no SECRET_KEY, no .env: like `make run`, `make worker` / `make beat` run in development mode
    (before, they ran production settings: the worker logged the missing secret and started on a random key)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    schedules_before = set(BASE_DIR.glob("celerybeat-schedule*"))
    try:
        code, output = run_until([make, "-s", target], bare_env(CODENEST_READ_DOTENV="0"), needle=needle)
    finally:
        for leftover in set(BASE_DIR.glob("celerybeat-schedule*")) - schedules_before:
            leftover.unlink()
    assert code is None and needle in output, output
    assert "SECRET_KEY" not in output
