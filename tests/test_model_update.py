"""An edit that changes nothing writes nothing (codenest.services.model_update, used by every update
service): the same PATCH sent twice updates the row once, and only with the fields that changed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from codenest.services import model_update
from posts.models import Post
from projects.models import Project, Task
from rooms.models import Room
from tests.factories import PostFactory, ProjectFactory, RoomFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def updates_of(table: str, queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and f'"{table}"' in q["sql"]]


def patch_twice(client, url: str, body: dict, table: str) -> tuple[list[str], list[str]]:
    done = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.patch(url, body, format="json")
        assert response.status_code == 200, response.content
        done.append(updates_of(table, queries))
    return done[0], done[1]


def test_room_update_saves_only_a_change(make_client):
    room = RoomFactory(description="old")
    first, second = patch_twice(
        make_client(room.creator), f"/api/v1/rooms/{room.pk}/", {"description": "new", "is_public": True}, "rooms_room"
    )
    assert len(first) == 1 and '"description"' in first[0] and '"is_public"' not in first[0]
    assert second == []
    assert Room.objects.get(pk=room.pk).description == "new"


def test_post_update_saves_only_a_change(make_client):
    post = PostFactory(title="Old title")
    first, second = patch_twice(make_client(post.author), f"/api/v1/posts/{post.pk}/", {"title": "New"}, "posts_post")
    # (PostgreSQL also refreshes the search vector after a title change: a second UPDATE of its own.)
    assert len([sql for sql in first if '"edited_at"' in sql]) == 1
    assert second == []
    assert Post.objects.get(pk=post.pk).title == "New"


def test_project_update_saves_only_a_change(make_client):
    project = ProjectFactory(description="old")
    body = {"description": "new", "visibility": "public", "looking_for_members": False}
    first, second = patch_twice(make_client(project.owner), f"/api/v1/projects/{project.pk}/", body, "projects_project")
    assert len(first) == 1 and '"description"' in first[0] and '"visibility"' not in first[0]
    assert second == []
    assert Project.objects.get(pk=project.pk).description == "new"


def test_task_update_saves_only_a_change(make_client):
    task = TaskFactory(title="Old")
    url = f"/api/v1/projects/{task.project_id}/tasks/{task.number}/"
    first, second = patch_twice(
        make_client(task.project.owner), url, {"title": "New", "priority": task.priority}, "projects_task"
    )
    assert len(first) == 1 and '"title"' in first[0] and '"priority"' not in first[0]
    assert second == []
    assert Task.objects.get(pk=task.pk).title == "New"


def test_model_update_returns_the_changed_fields_and_compares_relations_by_id(django_assert_num_queries):
    task = TaskFactory(assignee=None)
    assignee = UserFactory()
    task = Task.objects.get(pk=task.pk)  # nothing cached
    with django_assert_num_queries(0):
        assert (
            model_update(instance=task, fields=["title", "assignee"], data={"title": task.title, "assignee": None})
            == []
        )
    with django_assert_num_queries(1):
        changed = model_update(
            instance=task, fields=["assignee", "title"], data={"assignee": assignee}, touch="updated_at"
        )
    assert changed == ["assignee"]
    assert Task.objects.get(pk=task.pk).assignee_id == assignee.pk
