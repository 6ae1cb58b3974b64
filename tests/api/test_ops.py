"""Operations: health probes, production settings, docs and admin served by daphne alone, CORS."""

import json
import os
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest
import yaml
from rest_framework.test import APIClient

from tests.live import BASE_DIR, daphne_server, free_port

SPA_ORIGIN = "http://localhost:3000"


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET without raising on 4xx/5xx: status, lower-cased headers, body."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


class AssetCollector(HTMLParser):
    """Every URL a page makes the browser load: stylesheets, icons, scripts, images."""

    def __init__(self):
        super().__init__()
        self.assets: list[str] = []
        self.remote_hints: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            rel = (attrs.get("rel") or "").lower()
            if rel in {"preconnect", "dns-prefetch"}:
                self.remote_hints.append(attrs.get("href", ""))
            elif attrs.get("href"):
                self.assets.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.assets.append(attrs["src"])


def page_assets(html: bytes) -> AssetCollector:
    collector = AssetCollector()
    collector.feed(html.decode())
    return collector


@pytest.fixture(scope="module")
def server(django_db_setup, tmp_path_factory):
    """One daphne on the test database, production-style settings (DEBUG off), no collectstatic."""
    with daphne_server(tmp_path_factory.mktemp("ops"), DEBUG="0") as live:
        yield live


# --- probes ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_answers_ok():
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_every_check_ok():
    response = APIClient().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"},
    }


def test_probes_over_daphne(server):
    status, _, body = fetch(f"{server.http_url}/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, _, body = fetch(f"{server.http_url}/readyz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ok"


def test_readyz_names_the_database_when_it_is_down(django_db_setup, tmp_path):
    dead_db = f"postgres://postgres@127.0.0.1:{free_port()}/codenest_gone"
    with daphne_server(tmp_path, DATABASE_URL=dead_db) as live:
        status, _, body = fetch(f"{live.http_url}/readyz")
        healthz_status, _, _ = fetch(f"{live.http_url}/healthz")
    payload = json.loads(body)
    assert status == 503
    assert payload["status"] == "unavailable"
    assert payload["failing"] == ["database"]
    assert payload["checks"]["database"].startswith("error: ")
    assert payload["checks"]["cache"] == payload["checks"]["channel_layer"] == "ok"
    # Liveness does not depend on the database: the process is up.
    assert healthz_status == 200


def test_readyz_names_cache_and_channel_layer_when_redis_is_down(django_db_setup, tmp_path):
    dead_redis = f"redis://127.0.0.1:{free_port()}/7"
    with daphne_server(tmp_path, REDIS_URL=dead_redis) as live:
        status, _, body = fetch(f"{live.http_url}/readyz")
    payload = json.loads(body)
    assert status == 503
    assert payload["status"] == "unavailable"
    assert payload["failing"] == ["cache", "channel_layer"]
    assert payload["checks"]["database"] == "ok"
    assert payload["checks"]["cache"].startswith("error: ")
    assert payload["checks"]["channel_layer"].startswith("error: ")


# --- production settings --------------------------------------------------------------------------


def production_env(**overrides) -> dict:
    """The environment of a production process: DEBUG off, a real secret, a real host name."""
    env = {k: v for k, v in os.environ.items() if k not in {"CODENEST_TESTING", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DEBUG="0",  # explicit, so a developer's .env with DEBUG=1 cannot leak in
        CODENEST_TESTING="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="codenest.example.com",
        CSRF_TRUSTED_ORIGINS="https://codenest.example.com",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_djangos_security_checks():
    result = manage("check", "--deploy", "--tag", "security", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (" in result.stdout


def test_check_deploy_is_clean_with_production_env():
    """Every deploy check, drf-spectacular's schema warnings included: the docs must be exact too."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (" in result.stdout


def _bare_production_env() -> dict:
    env = production_env()  # a local .env is never read: CODENEST_READ_DOTENV=0 (pyproject.toml)
    del env["SECRET_KEY"]
    return env


def test_production_server_refuses_to_start_without_a_secret_key():
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "codenest.asgi:application"],
        cwd=BASE_DIR, env=_bare_production_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_wsgi_refuses_to_load_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import codenest.wsgi"],
        cwd=BASE_DIR, env=_bare_production_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_deploy_check_fails_without_a_secret_key():
    result = manage("check", "--deploy", env=_bare_production_env())
    assert result.returncode != 0
    assert "codenest.E001" in result.stderr and "Set the SECRET_KEY environment variable" in result.stderr


def test_model_checks_need_no_secret():
    """makemigrations --check signs nothing, so it runs in a bare production environment."""
    result = manage("makemigrations", "--check", "--dry-run", env=_bare_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


@pytest.mark.django_db
def test_production_redirects_to_https_except_probes(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = APIClient()
    redirected = client.get("/api/v1/skills/")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/v1/skills/"
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


# --- docs and admin, served by daphne alone (no collectstatic, no internet) ------------------------


def test_schema_is_openapi_3_with_jwt_auth(server):
    status, headers, body = fetch(f"{server.http_url}/api/schema/?format=json")
    assert status == 200
    assert headers["content-type"].startswith("application/vnd.oai.openapi+json")
    schema = json.loads(body)
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["jwtAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert "/api/v1/users/me/" in schema["paths"]
    status, headers, body = fetch(f"{server.http_url}/api/schema/")
    assert status == 200
    assert headers["content-type"].startswith("application/vnd.oai.openapi")
    assert body.startswith(b"openapi: 3.")


@pytest.mark.parametrize(
    ("page", "must_load"),
    [
        ("/api/docs/", ["swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"]),
        ("/api/redoc/", ["redoc.standalone.js"]),
    ],
)
def test_docs_pages_load_only_local_assets(server, page, must_load):
    status, headers, html = fetch(f"{server.http_url}{page}")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    found = page_assets(html)
    # Swagger UI's initialiser is served as a script file (no inline script under the CSP); it is what
    # names the schema there.
    initialisers = [url for url in found.assets if url.startswith(page) and url.endswith("?script=")]
    for url in initialisers:
        found.assets.remove(url)
        html += fetch(f"{server.http_url}{url}")[2]
    assert b"/api/schema/" in html
    assert found.remote_hints == []
    for name in must_load:
        assert any(url.endswith(name) for url in found.assets), (name, found.assets)
    for url in found.assets:
        assert url.startswith("/static/"), url
        asset_status, _, asset = fetch(f"{server.http_url}{url}")
        assert asset_status == 200, url
        assert len(asset) > 100, url


def test_admin_login_page_is_styled_by_daphne_alone(server):
    status, _, html = fetch(f"{server.http_url}/admin/login/")
    assert status == 200
    assert b'name="username"' in html  # the e-mail field keeps Django's form field name
    stylesheets = [url for url in page_assets(html).assets if url.endswith(".css")]
    assert "/static/admin/css/base.css" in stylesheets
    assert "/static/admin/css/login.css" in stylesheets
    for url in stylesheets:
        css_status, headers, css = fetch(f"{server.http_url}{url}")
        assert css_status == 200, url
        assert headers["content-type"].startswith("text/css"), (url, headers["content-type"])
        assert b"{" in css, url


# --- CORS -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cors_allows_the_spa_origin():
    response = APIClient().get("/api/v1/skills/", HTTP_ORIGIN=SPA_ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA_ORIGIN


@pytest.mark.django_db
def test_cors_preflight_allows_authorization_header():
    response = APIClient().options(
        "/api/v1/users/me/",
        HTTP_ORIGIN=SPA_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SPA_ORIGIN
    assert "PATCH" in response["Access-Control-Allow-Methods"]
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()


@pytest.mark.django_db
def test_cors_ignores_unknown_origins():
    response = APIClient().get("/api/v1/skills/", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_cors_header_over_daphne(server):
    status, headers, _ = fetch(f"{server.http_url}/api/v1/skills/", headers={"Origin": SPA_ORIGIN})
    assert status == 200
    assert headers["access-control-allow-origin"] == SPA_ORIGIN


# --- container setup (Docker cannot run here; the files are checked for what they must say) ---------


def test_docker_compose_runs_web_worker_beat_on_postgres_and_redis():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"] == "postgres:15"
    assert services["redis"]["image"].startswith("redis")
    for name in ("web", "worker", "beat"):
        service = services[name]
        assert service["build"] == "."
        assert "@db:5432/" in service["environment"]["DATABASE_URL"]
        assert service["environment"]["REDIS_URL"].startswith("redis://redis:6379/")
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert "daphne -b 0.0.0.0 -p 8000 codenest.asgi:application" in " ".join(services["web"]["command"])
    assert services["worker"]["command"][:4] == ["celery", "-A", "codenest", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "codenest", "beat"]


def test_dockerfile_builds_a_non_root_daphne_image():
    lines = [line.strip() for line in (BASE_DIR / "Dockerfile").read_text().splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    assert instructions[0] == "FROM python:3.11-slim"
    user = next(line.split()[1] for line in instructions if line.startswith("USER "))
    assert user not in {"root", "0"}
    assert any("collectstatic --noinput" in line for line in instructions)
    assert any(line.startswith("HEALTHCHECK") for line in instructions)
    assert any("/healthz" in line for line in lines)
    assert instructions[-1] == 'CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "codenest.asgi:application"]'
