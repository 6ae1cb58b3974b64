"""What bench/feed.py and bench/lists.py share: Django set up on the benchmark database, one viewer with a
JWT, and the alternating run that prints the ratio table.

Both sides of a scenario are driven in-process through Django's full request stack (middleware, URL
routing, JWT authentication of the same user, one query for it) by django.test.Client, one request at a
time, alternating DRF and hand-written, so background load hits both alike. Before timing, the two
answers are compared: the same `results` (as JSON values), the same count and the same next-page
presence, so the hand-written side really renders the same JSON.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")
os.environ.setdefault("CODENEST_TESTING", "1")  # production settings minus the HTTPS redirect

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from users.models import User  # noqa: E402

PAGE_SIZE = 20


def iso(value) -> str | None:
    """A datetime as the API writes it (UTC, "Z")."""
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def configure(urlconf: str) -> None:
    if not settings.IS_POSTGRES:
        sys.exit("Run the benchmark on PostgreSQL (set DATABASE_URL).")
    settings.ROOT_URLCONF = urlconf
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False


def bench_viewer() -> User:
    user = (
        User.objects.filter(handle__startswith="bench-", votes__isnull=False, room_memberships__isnull=False)
        .order_by("pk")
        .first()
    )
    if user is None:
        sys.exit("No benchmark data: run `manage.py seed_bench` first.")
    return user


def auth_headers(user: User) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


def timed(client, url, params, headers) -> float:
    started = time.perf_counter()
    response = client.get(url, params, **headers)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, params, response.status_code, response.content[:300])
    return elapsed


def summarize(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(int(len(ordered) * 0.95), len(ordered) - 1)]
    return len(samples) / sum(samples), p95 * 1000


def same_answer(label: str, drf: dict, raw: dict) -> None:
    assert drf["results"], f"{label}: an empty page measures nothing"
    assert drf["results"] == raw["results"], f"{label}: the two views disagree"
    assert drf.get("count") == raw.get("count"), f"{label}: the counts disagree"
    assert bool(drf["next"]) == bool(raw["next"]), f"{label}: one has a next page, the other not"


def run(scenarios, *, headers: dict, requests: int, warmup: int) -> list[tuple[str, float]]:
    """scenarios: (label, drf_url, drf_params, raw_url, raw_params). Prints the table, returns the ratios."""
    client = Client()
    ratios = []
    print(f"{'scenario':38} {'DRF req/s':>10} {'p95 ms':>8} {'raw req/s':>10} {'p95 ms':>8} {'DRF/raw':>8}")
    for label, drf_url, drf_params, raw_url, raw_params in scenarios:
        same_answer(
            label,
            client.get(drf_url, drf_params, **headers).json(),
            client.get(raw_url, raw_params, **headers).json(),
        )
        for _ in range(warmup):
            timed(client, drf_url, drf_params, headers)
            timed(client, raw_url, raw_params, headers)
        drf, raw = [], []
        for _ in range(requests):
            drf.append(timed(client, drf_url, drf_params, headers))
            raw.append(timed(client, raw_url, raw_params, headers))
        (drf_rps, drf_p95), (raw_rps, raw_p95) = summarize(drf), summarize(raw)
        ratio = drf_rps / raw_rps
        ratios.append((label, ratio))
        print(f"{label:38} {drf_rps:10.1f} {drf_p95:8.2f} {raw_rps:10.1f} {raw_p95:8.2f} {ratio:8.2f}", flush=True)
    return ratios
