import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from projects import signals
from projects.models import Project, Task, TaskLabel
from tests.conftest import client_for
from tests.factories import ProjectFactory, ProjectMemberFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_task_numbers_from_one_per_project(team, captured, django_capture_on_commit_callbacks):
    client = team.client("developer")
    other = ProjectFactory(owner=team.developer)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            team.url("tasks/"),
            {
                "title": "Write the parser",
                "description": "Tokens first.",
                "priority": "high",
                "labels": ["Backend", "bug", "backend"],
                "assignee": team.viewer.pk,
                "due_date": "2026-03-01",
                "position": 3,
            },
        )
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["number"] == 1 and data["project"] == team.project.pk and data["status"] == "todo"
    assert data["labels"] == ["backend", "bug"] and data["priority"] == "high"
    assert data["assignee"] == {
        "id": team.viewer.pk,
        "handle": team.viewer.handle,
        "name": team.viewer.name,
        "avatar": "",
    }
    assert data["due_date"] == "2026-03-01" and data["position"] == 3
    assert client.post(team.url("tasks/"), {"title": "Second"}).json()["number"] == 2
    assert client.post(f"/api/v1/projects/{other.pk}/tasks/", {"title": "Elsewhere"}).json()["number"] == 1
    task = Task.objects.get(project=team.project, number=1)
    assert [s for s, _ in captured] == [signals.task_created, signals.task_assigned]
    assert captured[1][1] == {"task": task, "assignee": team.viewer, "assigned_by": team.developer}


def test_numbers_do_not_reuse_deleted_ones(team):
    client = team.client("owner")
    for title in "abc":
        client.post(team.url("tasks/"), {"title": title})
    assert client.delete(team.url("tasks/3/")).status_code == 204
    assert client.post(team.url("tasks/"), {"title": "d"}).json()["number"] == 4


@pytest.mark.parametrize("who, code", [("owner", 201), ("maintainer", 201), ("developer", 201), ("viewer", 403),
                                       ("outsider", 403), ("anon", 401)])  # fmt: skip
def test_create_task_permissions(team, who, code):
    assert team.client(who).post(team.url("tasks/"), {"title": "x"}).status_code == code
    assert Task.objects.filter(project=team.project).count() == (1 if code == 201 else 0)


def test_private_project_tasks_are_404_to_outsiders(private_team):
    TaskFactory(project=private_team.project)
    client = private_team.client("outsider")
    assert client.get(private_team.url("tasks/")).status_code == 404
    assert client.get(private_team.url("tasks/1/")).status_code == 404
    assert client.post(private_team.url("tasks/"), {"title": "x"}).status_code == 404
    assert client.get(private_team.url("board/")).status_code == 404
    assert private_team.client("viewer").get(private_team.url("tasks/1/")).status_code == 200


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "status": "closed"}, "status"),
        ({"title": "ok", "priority": "meh"}, "priority"),
        ({"title": "ok", "labels": "bug"}, "labels"),
        ({"title": "ok", "labels": ["x" * 51]}, "labels"),
        ({"title": "ok", "labels": [f"l{i}" for i in range(21)]}, "labels"),
        ({"title": "ok", "due_date": "tomorrow"}, "due_date"),
        ({"title": "ok", "position": 10**12}, "position"),
        ({"title": "ok", "assignee": 10**30}, "assignee"),
        ({"title": "ok", "assignee": "me"}, "assignee"),
    ],
)
def test_create_task_bad_input(team, body, field):
    response = team.client("developer").post(team.url("tasks/"), body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Task.objects.exists()
    assert Project.objects.get(pk=team.project.pk).next_task_number == 1


def test_assignee_must_be_member(team):
    response = team.client("developer").post(team.url("tasks/"), {"title": "x", "assignee": team.outsider.pk})
    assert response.status_code == 400 and response.json() == {
        "assignee": ["The assignee must be a member of the project."]
    }
    assert not Task.objects.exists() and not TaskLabel.objects.exists()
    # Nothing half-written: the counter did not move either.
    assert team.client("developer").post(team.url("tasks/"), {"title": "y"}).json()["number"] == 1


def test_update_task_and_signals(team, captured, django_capture_on_commit_callbacks):
    TaskFactory(project=team.project, title="Old")
    client = team.client("developer")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(
            team.url("tasks/1/"),
            {"title": "New", "status": "in_progress", "assignee": team.maintainer.pk, "labels": ["ui"]},
        )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["title"], data["status"], data["assignee"]["id"], data["labels"]) == (
        "New",
        "in_progress",
        team.maintainer.pk,
        ["ui"],
    )
    task = Task.objects.get(project=team.project, number=1)
    assert captured == [
        (signals.task_assigned, {"task": task, "assignee": team.maintainer, "assigned_by": team.developer}),
        (
            signals.task_status_changed,
            {"task": task, "old_status": "todo", "new_status": "in_progress", "actor": team.developer},
        ),
    ]
    captured.clear()
    with django_capture_on_commit_callbacks(execute=True):
        # Same assignee and status again: nothing to announce. Unassigning is allowed.
        client.patch(team.url("tasks/1/"), {"status": "in_progress", "assignee": team.maintainer.pk})
        assert client.patch(team.url("tasks/1/"), {"assignee": None}).json()["assignee"] is None
    assert captured == []


@pytest.mark.parametrize("who, code", [("developer", 200), ("viewer", 403), ("outsider", 403), ("anon", 401)])
def test_update_and_delete_task_permissions(team, who, code):
    TaskFactory(project=team.project, title="Keep")
    assert team.client(who).patch(team.url("tasks/1/"), {"title": "Changed"}).status_code == code
    assert Task.objects.get().title == ("Changed" if code == 200 else "Keep")
    delete_code = 204 if code == 200 else code
    assert team.client(who).delete(team.url("tasks/1/")).status_code == delete_code
    assert Task.objects.exists() is (delete_code != 204)


def test_update_task_bad_input_and_unknown_numbers(team):
    TaskFactory(project=team.project)
    client = team.client("owner")
    assert client.patch(team.url("tasks/1/"), {"assignee": team.outsider.pk}).status_code == 400
    assert client.patch(team.url("tasks/1/"), {"status": 5}).status_code == 400
    assert client.patch(team.url("tasks/1/"), "[", content_type="application/json").status_code == 400
    assert client.get(team.url("tasks/2/")).status_code == 404
    assert client.get(team.url(f"tasks/{10**30}/")).status_code == 404
    assert Task.objects.get().assignee_id is None


def test_task_filters(team):
    a = TaskFactory(project=team.project, status="todo", assignee=team.developer)
    b = TaskFactory(project=team.project, status="done")
    TaskLabel.objects.create(task=a, name="bug")
    TaskLabel.objects.create(task=b, name="bug")
    TaskLabel.objects.create(task=b, name="ui")
    client = team.client("anon")

    def numbers(query):
        response = client.get(team.url(f"tasks/?{query}"))
        assert response.status_code == 200
        return [t["number"] for t in response.json()["results"]]

    assert numbers("") == [1, 2]
    assert numbers("status=done") == [2]
    assert numbers(f"assignee={team.developer.pk}") == [1]
    assert numbers("label=bug") == [1, 2]
    assert numbers("label=UI") == [2]
    assert numbers("label=bug&status=todo") == [1]
    assert client.get(team.url("tasks/?status=nope")).status_code == 400
    assert client.get(team.url(f"tasks/?assignee={10**30}")).status_code == 400


def test_task_list_and_board_query_counts_are_fixed(team, django_assert_num_queries):
    client = team.client("viewer")
    task = TaskFactory(project=team.project, assignee=team.developer)
    TaskLabel.objects.create(task=task, name="bug")
    with CaptureQueriesContext(connection) as list_one:
        client.get(team.url("tasks/"))
    with CaptureQueriesContext(connection) as board_one:
        client.get(team.url("board/"))
    for i in range(6):
        more = TaskFactory(project=team.project, assignee=team.viewer, status=["todo", "review", "done"][i % 3])
        TaskLabel.objects.create(task=more, name=f"l{i}")
    with django_assert_num_queries(len(list_one.captured_queries)):
        assert client.get(team.url("tasks/")).json()["count"] == 7
    with django_assert_num_queries(len(board_one.captured_queries)):
        client.get(team.url("board/"))


def test_board_groups_by_status_ordered_by_position(team):
    TaskFactory(project=team.project, title="late", position=5)
    TaskFactory(project=team.project, title="early", position=1)
    TaskFactory(project=team.project, title="shipped", status="done")
    TaskFactory(project=team.project, title="reviewing", status="review", position=2)
    response = team.client("anon").get(team.url("board/"))
    assert response.status_code == 200
    board = response.json()
    assert list(board) == ["todo", "in_progress", "review", "done"]
    assert [t["title"] for t in board["todo"]] == ["early", "late"]
    assert board["in_progress"] == []
    assert [t["title"] for t in board["review"]] == ["reviewing"]
    assert [t["title"] for t in board["done"]] == ["shipped"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not settings.IS_POSTGRES, reason="concurrent writers need PostgreSQL row locks")
def test_concurrent_task_creation_has_no_gaps_or_duplicates():
    owner = UserFactory()
    project = ProjectFactory(owner=owner)
    developers = [ProjectMemberFactory(project=project).user for _ in range(8)]
    barrier = threading.Barrier(len(developers))
    codes = []

    def create(user):
        try:
            client = client_for(user)
            barrier.wait()
            for _ in range(3):
                codes.append(client.post(f"/api/v1/projects/{project.pk}/tasks/", {"title": "race"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(user,)) for user in developers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [201] * 24
    numbers = sorted(Task.objects.filter(project=project).values_list("number", flat=True))
    assert numbers == list(range(1, 25))
    assert Project.objects.get(pk=project.pk).next_task_number == 25
