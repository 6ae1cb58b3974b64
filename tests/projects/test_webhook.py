import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import RequestFactory

from projects.admin import WebhookDeliveryAdmin
from projects.models import Commit, Task, WebhookDelivery
from tests.factories import ProjectFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def push_payload(*commits) -> dict:
    return {
        "ref": "refs/heads/main",
        "repository": {"full_name": "octo/nest"},
        "commits": [
            {
                "id": sha,
                "message": message,
                "timestamp": "2026-01-15T13:00:00+01:00",
                "url": f"https://github.com/octo/nest/commit/{sha}",
                "author": {"name": "Alice", "email": email, "username": "alice"},
            }
            for sha, message, email in commits
        ],
    }


@pytest.fixture
def deliver(anon_client, team):
    def deliver(payload, *, event="push", delivery="d-1", secret=None, signature=None, raw=None, **headers):
        body = raw if raw is not None else json.dumps(payload).encode()
        if signature is None:
            signature = sign(secret or team.project.webhook_secret, body)
        extra = {"HTTP_X_GITHUB_EVENT": event, "HTTP_X_GITHUB_DELIVERY": delivery, **headers}
        if signature is not False:
            extra["HTTP_X_HUB_SIGNATURE_256"] = signature
        content_type = extra.pop("content_type", "application/json")
        return anon_client.post(team.url("github/webhook/"), body, content_type=content_type, **extra)

    return deliver


def test_push_stores_commits_and_closes_tasks(team, deliver):
    alice = UserFactory(email="alice@example.com")
    task = TaskFactory(project=team.project)
    payload = push_payload(("a" * 40, "Closes #1", "ALICE@example.com"), ("b" * 40, "wip", "nobody@example.com"))
    response = deliver(payload)
    assert response.status_code == 200
    assert response.json() == {"status": "processed", "event": "push", "detail": "2 new commit(s)"}
    commit = Commit.objects.get(sha="a" * 40)
    assert (commit.project_id, commit.author_id, commit.task_id) == (team.project.pk, alice.pk, task.pk)
    assert commit.committed_at.isoformat() == "2026-01-15T12:00:00+00:00"
    task.refresh_from_db()
    assert task.status == "done"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.delivery_id, delivery.event, delivery.outcome) == ("d-1", "push", "processed")


def test_push_shares_commits_with_sync_idempotently(team, deliver):
    deliver(push_payload(("a" * 40, "one", "")), delivery="d-1")
    response = deliver(push_payload(("a" * 40, "one", ""), ("c" * 40, "two", "")), delivery="d-2")
    assert response.json()["detail"] == "1 new commit(s)"
    assert Commit.objects.count() == 2


def test_replayed_delivery_is_not_processed_twice(team, deliver):
    task = TaskFactory(project=team.project)
    payload = push_payload(("a" * 40, "fixes #1", ""))
    assert deliver(payload, delivery="same").json()["status"] == "processed"
    task.status = "todo"
    task.save(update_fields=["status"])
    Commit.objects.all().delete()
    response = deliver(payload, delivery="same")
    assert response.status_code == 200 and response.json()["status"] == "duplicate"
    assert not Commit.objects.exists()
    task.refresh_from_db()
    assert task.status == "todo"
    assert WebhookDelivery.objects.count() == 1


def test_ping_and_other_events(team, deliver):
    assert deliver({"zen": "Keep it logically awesome.", "hook_id": 1}, event="ping").json() == {
        "status": "processed",
        "event": "ping",
        "detail": "pong",
    }
    response = deliver({"action": "opened"}, event="issues", delivery="d-2")
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert list(WebhookDelivery.objects.order_by("id").values_list("event", "outcome")) == [
        ("ping", "processed"),
        ("issues", "ignored"),
    ]


def test_form_encoded_payload_is_accepted(team, deliver):
    body = urlencode({"payload": json.dumps(push_payload(("d" * 40, "form", "")))}).encode()
    response = deliver(None, raw=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and Commit.objects.filter(sha="d" * 40).exists()


@pytest.mark.parametrize(
    "signature, detail",
    [
        (False, "Missing X-Hub-Signature-256 header."),
        ("", "Missing X-Hub-Signature-256 header."),
        ("sha256=" + "0" * 64, "Bad X-Hub-Signature-256 signature."),
        ("sha1=abc", "Bad X-Hub-Signature-256 signature."),
        ("sha256=ünicode", "Bad X-Hub-Signature-256 signature."),
    ],
)
def test_bad_or_missing_signature_is_403_and_writes_nothing(team, deliver, signature, detail):
    TaskFactory(project=team.project)
    response = deliver(push_payload(("a" * 40, "closes #1", "")), signature=signature)
    assert response.status_code == 403 and response.json() == {"detail": detail}
    assert not Commit.objects.exists() and not WebhookDelivery.objects.exists()
    assert Task.objects.get().status == "todo"


def test_signature_made_with_another_projects_secret_is_rejected(team, deliver):
    other = ProjectFactory()
    response = deliver(push_payload(("a" * 40, "x", "")), secret=other.webhook_secret)
    assert response.status_code == 403
    assert not Commit.objects.exists()


def test_tampered_body_is_rejected(team, deliver):
    body = json.dumps(push_payload(("a" * 40, "x", ""))).encode()
    good = sign(team.project.webhook_secret, body)
    response = deliver(None, raw=body.replace(b"x", b"y"), signature=good)
    assert response.status_code == 403


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        json.dumps({"commits": "nope"}).encode(),
        json.dumps({"commits": [{"id": "short", "message": "x"}]}).encode(),
        json.dumps({"commits": [{"id": "a" * 40, "message": "ok"}, {"id": "b" * 40}]}).encode(),
        json.dumps({"commits": [{"id": "a" * 40, "message": "x", "timestamp": "yesterday"}]}).encode(),
        json.dumps({"ref": "main"}).encode(),
    ],
)
def test_malformed_payload_is_400_and_writes_nothing(team, deliver, raw):
    response = deliver(None, raw=raw)
    assert response.status_code == 400
    assert not Commit.objects.exists() and not WebhookDelivery.objects.exists()


def test_missing_event_or_delivery_headers(team, deliver):
    assert deliver({"zen": "x"}, event="").status_code == 400
    assert deliver({"zen": "x"}, delivery="").status_code == 400
    assert deliver({"zen": "x"}, delivery="x" * 101).status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_unknown_project_is_404(anon_client):
    assert anon_client.post("/api/v1/projects/999999/github/webhook/", {}, format="json").status_code == 404
    assert anon_client.post(f"/api/v1/projects/{10**30}/github/webhook/", {}, format="json").status_code == 404


def test_webhook_ignores_jwt_and_works_for_private_projects(private_team, anon_client):
    body = json.dumps(push_payload(("e" * 40, "private push", ""))).encode()
    response = anon_client.post(
        private_team.url("github/webhook/"),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer not-a-token",
        HTTP_X_HUB_SIGNATURE_256=sign(private_team.project.webhook_secret, body),
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY="p-1",
    )
    assert response.status_code == 200
    assert Commit.objects.filter(project=private_team.project).count() == 1


def test_delivery_log_stays_short(team, deliver):
    from projects.services import DELIVERY_LOG_SIZE

    for n in range(DELIVERY_LOG_SIZE + 3):
        WebhookDelivery.objects.create(project=team.project, delivery_id=f"old-{n}", event="ping", outcome="processed")
    deliver({"zen": "x"}, event="ping", delivery="newest")
    assert WebhookDelivery.objects.filter(project=team.project).count() == DELIVERY_LOG_SIZE
    assert WebhookDelivery.objects.filter(delivery_id="newest").exists()
    assert not WebhookDelivery.objects.filter(delivery_id="old-0").exists()


def test_delivery_log_in_admin_only_for_owner_and_maintainers(team, deliver, make_client):
    deliver({"zen": "x"}, event="ping", delivery="mine")
    other = ProjectFactory()
    WebhookDelivery.objects.create(project=other, delivery_id="theirs", event="ping", outcome="processed")
    model_admin = WebhookDeliveryAdmin(WebhookDelivery, admin_site)

    def visible_to(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        request = RequestFactory().get("/admin/projects/webhookdelivery/")
        request.user = user
        return sorted(model_admin.get_queryset(request).values_list("delivery_id", flat=True))

    assert visible_to(team.maintainer) == ["mine"]
    assert visible_to(team.owner) == ["mine"]
    assert visible_to(team.developer) == []
    superuser = UserFactory(is_superuser=True)
    assert visible_to(superuser) == ["mine", "theirs"]
    # And the admin page itself renders for a superuser.
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    page = client.get("/admin/projects/webhookdelivery/", secure=True)
    assert page.status_code == 200 and b"mine" in page.content
