"""Issue 9: a correctly signed push for another repository than the project's must not touch its tasks."""

import json

import pytest

from projects.models import Commit, Task, WebhookDelivery
from tests.factories import TaskFactory
from tests.projects.test_webhook import push_payload, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(team):
    team.project.repo_url = "https://github.com/octo/nest"
    team.project.save(update_fields=["repo_url"])
    return team


@pytest.fixture
def deliver(anon_client, linked):
    counter = iter(range(1, 100))

    def deliver(payload: dict):
        body = json.dumps(payload).encode()
        return anon_client.post(
            linked.url("github/webhook/"),
            body,
            content_type="application/json",
            HTTP_X_GITHUB_EVENT="push",
            HTTP_X_GITHUB_DELIVERY=f"repo-{next(counter)}",
            HTTP_X_HUB_SIGNATURE_256=sign(linked.project.webhook_secret, body),
        )

    return deliver


def _closing_push(full_name: str) -> dict:
    payload = push_payload(("c" * 40, "Fixes #1", "someone@example.com"))
    payload["repository"]["full_name"] = full_name
    return payload


def test_push_for_another_repository_is_ignored_with_a_reason(linked, deliver):
    task = TaskFactory(project=linked.project)
    response = deliver(_closing_push("mallory/other"))
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "ignored" and "mallory/other" in body["detail"] and "octo/nest" in body["detail"]
    task.refresh_from_db()
    assert task.status != "done"
    assert not Commit.objects.exists()
    assert WebhookDelivery.objects.get().outcome == "ignored"


def test_push_without_a_repository_is_ignored_for_a_linked_project(linked, deliver):
    payload = _closing_push("x")
    del payload["repository"]
    assert deliver(payload).status_code == 202
    assert not Commit.objects.exists()


def test_push_for_the_projects_repository_still_closes_tasks(linked, deliver):
    task = TaskFactory(project=linked.project)
    response = deliver(_closing_push("Octo/Nest"))  # GitHub names are case-insensitive
    assert response.status_code == 200 and response.json()["status"] == "processed"
    task.refresh_from_db()
    assert task.status == "done"
    assert Task.objects.filter(status="done").count() == 1
