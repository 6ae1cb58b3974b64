"""The project socket /ws/projects/{id}/: who may watch, bad frames, and the frames every change source
(REST, GitHub webhook, sync task, admin) produces, received over the real ASGI application."""

import hashlib
import hmac
import json

import pytest
from django.test import Client

from projects.models import Project, ProjectMember, Task
from tests.factories import RoomFactory, TaskFactory, UserFactory
from tests.projects.conftest import Team
from tests.projects.github_server import FakeRepo, fake_github, make_commit
from tests.projects.sockets import call, close_code, frames, fresh_layer, next_of, project_socket, room_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(fresh_layer.__name__)]


def summary(user) -> dict:
    return {"id": user.id, "handle": user.handle, "name": user.name, "avatar": user.avatar}


async def rest(team: Team, who: str, method: str, *args, **kwargs):
    """A REST request by one of the team, from async code."""
    client = await call(team.client, who)
    return await call(getattr(client, method), *args, **kwargs)


async def assert_silent(socket) -> None:
    assert await socket.receive_nothing(timeout=0.3)


# --- who may watch --------------------------------------------------------------------------------


async def test_close_reasons(private_team):
    """Each close says why (docs/websockets.md); a private project reads like a missing one."""

    async def close_of(socket) -> tuple[int, str]:
        output = await socket.receive_output(timeout=3)
        await socket.disconnect()
        return output["code"], output.get("reason", "")

    project, outsider = private_team.project, private_team.outsider
    assert await close_of(await project_socket(project.pk, token="")) == (4401, "Authentication failed: missing token.")
    assert await close_of(await project_socket(project.pk, outsider)) == (4404, "No such project.")
    assert await close_of(await project_socket(424242, outsider)) == (4404, "No such project.")


async def test_close_codes(private_team):
    project = private_team.project
    outsider = private_team.outsider
    assert await close_code(await project_socket(project.pk, token="")) == 4401
    assert await close_code(await project_socket(project.pk, token="not-a-jwt")) == 4401
    assert await close_code(await project_socket(project.pk, outsider)) == 4404
    assert await close_code(await project_socket(424242, outsider)) == 4404
    assert await close_code(await project_socket(99999999999999999999999999, outsider)) == 4404
    # Every member, the viewer included, may watch a private project.
    viewer = await project_socket(project.pk, private_team.viewer)
    await viewer.send_json_to({"type": "ping"})
    assert await viewer.receive_json_from(timeout=5) == {"type": "pong"}
    await viewer.disconnect()


async def test_anyone_signed_in_may_watch_a_public_project(team):
    watcher = await project_socket(team.project.pk, team.outsider)
    await watcher.send_json_to({"type": "ping"})
    assert await watcher.receive_json_from(timeout=5) == {"type": "pong"}
    await watcher.disconnect()


async def test_bad_frames_get_an_error_and_the_socket_stays_open(team):
    socket = await project_socket(team.project.pk, team.viewer)
    bad = ["{not json", "[1, 2]", '"ping"', '{"type": 5}', '{"type": "task.create", "title": "x"}', "x" * 10_000]
    for text in bad:
        await socket.send_to(text_data=text)
        frame = await socket.receive_json_from(timeout=5)
        assert frame["type"] == "error" and frame["code"] == "invalid" and frame["detail"], text
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await socket.receive_json_from(timeout=5))["code"] == "invalid"
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()


# --- REST ---------------------------------------------------------------------------------------


async def test_rest_task_changes_reach_every_watcher(team):
    developer_socket = await project_socket(team.project.pk, team.developer)
    outsider_socket = await project_socket(team.project.pk, team.outsider)  # public project
    client = await call(team.client, "developer")

    created = await call(client.post, team.url("tasks/"), {"title": "Live board", "labels": ["ui"]}, format="json")
    assert created.status_code == 201
    for socket in (developer_socket, outsider_socket):
        assert await socket.receive_json_from(timeout=5) == {"type": "task.created", "task": created.json()}

    number = created.json()["number"]
    patch = {"status": "review", "labels": ["ui", "urgent"], "assignee": team.developer.pk}
    updated = await call(client.patch, team.url(f"tasks/{number}/"), patch, format="json")
    assert updated.status_code == 200
    frame = await outsider_socket.receive_json_from(timeout=5)
    assert frame == {"type": "task.updated", "task": updated.json()}
    assert frame["task"]["labels"] == ["ui", "urgent"] and frame["task"]["assignee"] == summary(team.developer)

    deleted = await call(client.delete, team.url(f"tasks/{number}/"))
    assert deleted.status_code == 204
    frame = await outsider_socket.receive_json_from(timeout=5)
    assert frame["type"] == "task.deleted" and frame["task"]["number"] == number
    assert frame["task"]["status"] == "review"

    # A refused write changes nothing and sends nothing.
    refused = await rest(team, "viewer", "post", team.url("tasks/"), {"title": "no"}, format="json")
    assert refused.status_code == 403
    await assert_silent(outsider_socket)
    for socket in (developer_socket, outsider_socket):
        await socket.disconnect()


async def test_member_frames_and_a_removed_member_loses_a_private_project(private_team):
    team = private_team
    owner_socket = await project_socket(team.project.pk, team.owner)
    viewer_socket = await project_socket(team.project.pk, team.viewer)
    client = await call(team.client, "owner")

    added = await call(client.post, team.url("members/"), {"user": team.outsider.pk, "role": "viewer"}, format="json")
    assert added.status_code == 201
    expected = {"type": "member.added", "user": summary(team.outsider), "role": "viewer"}
    assert await owner_socket.receive_json_from(timeout=5) == expected
    assert await viewer_socket.receive_json_from(timeout=5) == expected

    changed = await call(client.patch, team.url(f"members/{team.outsider.pk}/"), {"role": "developer"}, format="json")
    assert changed.status_code == 200
    expected = {"type": "member.updated", "user": summary(team.outsider), "role": "developer"}
    assert await owner_socket.receive_json_from(timeout=5) == expected

    removed = await call(client.delete, team.url(f"members/{team.viewer.pk}/"))
    assert removed.status_code == 204
    expected = {"type": "member.removed", "user": summary(team.viewer), "role": "viewer"}
    assert await owner_socket.receive_json_from(timeout=5) == expected
    # The removed viewer may no longer see this private project: the socket closes as for an outsider.
    assert await close_code(viewer_socket) == 4404
    await assert_silent(owner_socket)
    await owner_socket.disconnect()


async def test_removing_an_assignee_updates_their_tasks(team):
    task = await call(TaskFactory, project=team.project, assignee=team.developer)
    socket = await project_socket(team.project.pk, team.owner)
    response = await rest(team, "owner", "delete", team.url(f"members/{team.developer.pk}/"))
    assert response.status_code == 204
    removed, updated = await frames(socket, 2)
    assert removed["type"] == "member.removed"
    assert updated["type"] == "task.updated" and updated["task"]["number"] == task.number
    assert updated["task"]["assignee"] is None
    await socket.disconnect()


async def test_turning_a_project_private_closes_outsiders_only(team):
    member_socket = await project_socket(team.project.pk, team.viewer)
    outsider_socket = await project_socket(team.project.pk, team.outsider)
    response = await call(
        (await call(team.client, "owner")).patch, team.url(), {"visibility": "private"}, format="json"
    )
    assert response.status_code == 200
    assert await close_code(outsider_socket) == 4404
    await member_socket.send_json_to({"type": "ping"})
    assert await member_socket.receive_json_from(timeout=5) == {"type": "pong"}
    await member_socket.disconnect()


async def test_deleting_a_project_closes_its_sockets(team):
    socket = await project_socket(team.project.pk, team.viewer)
    response = await rest(team, "owner", "delete", team.url())
    assert response.status_code == 204
    assert await close_code(socket) == 4404


# --- GitHub webhook -------------------------------------------------------------------------------


def deliver_push(team: Team, *commits, delivery="d-1", ref="refs/heads/main"):
    payload = {
        "ref": ref,
        "commits": [
            {
                "id": sha,
                "message": message,
                "timestamp": f"2026-01-15T12:0{n}:00Z",
                "url": f"https://github.com/octo/nest/commit/{sha}",
                "author": {"name": "Alice", "email": "alice@example.com"},
            }
            for n, (sha, message) in enumerate(commits)
        ],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(team.project.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    return team.client("anon").post(
        team.url("github/webhook/"),
        body,
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY=delivery,
        HTTP_X_HUB_SIGNATURE_256=signature,
    )


async def test_webhook_push_sends_commits_closed_tasks_and_room_messages(team):
    room = await call(RoomFactory, creator=team.owner)
    await call(Project.objects.filter(pk=team.project.pk).update, room=room)
    alice = await call(UserFactory, email="alice@example.com")
    task = await call(TaskFactory, project=team.project, title="Parser")
    project_watch = await project_socket(team.project.pk, team.viewer)
    room_watch = await room_socket(room.pk, team.owner)

    response = await call(deliver_push, team, ("a" * 40, "wip"), ("b" * 40, "Fix the parser, closes #1"))
    assert response.status_code == 200 and response.json()["detail"] == "2 new commit(s)"

    first, second, closed = await frames(project_watch, 3)
    assert (first["type"], first["commit"]["sha"], first["commit"]["task"]) == ("commit.new", "a" * 40, None)
    assert (second["type"], second["commit"]["sha"], second["commit"]["task"]) == ("commit.new", "b" * 40, 1)
    assert second["commit"]["author"] == summary(alice) and "author_email" not in second["commit"]
    assert closed["type"] == "task.updated"
    assert (closed["task"]["number"], closed["task"]["status"]) == (task.number, "done")

    summary_message = (await next_of(room_watch, "message.new"))["message"]
    assert (summary_message["kind"], summary_message["author"]) == ("system", None)
    assert summary_message["content"] == "2 new commits on main"
    assert summary_message["data"]["commits"] == {
        "project": team.project.pk,
        "count": 2,
        "branch": "main",
        "shas": ["a" * 40, "b" * 40],
    }
    closed_message = (await next_of(room_watch, "message.new"))["message"]
    assert closed_message["content"] == "task #1 closed by bbbbbbb"
    assert closed_message["data"] == {"task": {"project": team.project.pk, "number": 1}, "commit": "b" * 40}

    # A redelivery stores nothing new and says nothing.
    again = await call(deliver_push, team, ("a" * 40, "wip"), ("b" * 40, "Fix the parser, closes #1"), delivery="d-2")
    assert again.json()["detail"] == "0 new commit(s)"
    await assert_silent(project_watch)
    await assert_silent(room_watch)
    await project_watch.disconnect()
    await room_watch.disconnect()


async def test_commits_without_a_linked_room_post_nothing(team):
    socket = await project_socket(team.project.pk, team.owner)
    response = await call(deliver_push, team, ("c" * 40, "tidy"), ref="refs/tags/v1")
    assert response.status_code == 200
    assert (await socket.receive_json_from(timeout=5))["type"] == "commit.new"
    from rooms.models import Message

    assert not await call(Message.objects.exists)
    await socket.disconnect()


# --- GitHub sync (Celery eager here; a real worker in tests/e2e/test_projects_multiprocess.py) -----


@pytest.fixture
def github(settings):
    with fake_github(page_size=5) as server:
        settings.GITHUB_API_URL = server.url
        yield server


async def test_sync_status_changes_and_commits_reach_the_socket(team, github):
    github.add_repo(FakeRepo("octo/live", commits=[make_commit("d" * 40, "Initial commit")]))
    await call(Project.objects.filter(pk=team.project.pk).update, repo_url="https://github.com/octo/live")
    socket = await project_socket(team.project.pk, team.viewer)

    response = await rest(team, "maintainer", "post", team.url("sync/"))
    assert response.status_code == 202
    queued, running, commit, done = await frames(socket, 4)
    assert [queued["github"]["sync_status"], running["github"]["sync_status"]] == ["queued", "running"]
    assert commit["type"] == "commit.new" and commit["commit"]["sha"] == "d" * 40
    assert done["type"] == "sync"
    assert done["github"] | {"last_synced_at": None} == {
        "full_name": "octo/live",
        "stars": 42,
        "forks": 7,
        "open_issues": 3,
        "language": "Python",
        "default_branch": "main",
        "last_synced_at": None,
        "sync_status": "ok",
        "sync_error": "",
    }
    assert done["github"]["last_synced_at"] is not None
    await socket.disconnect()


async def test_failed_sync_is_a_sync_frame_too(team, github):
    await call(Project.objects.filter(pk=team.project.pk).update, repo_url="https://github.com/octo/missing")
    socket = await project_socket(team.project.pk, team.viewer)
    response = await rest(team, "owner", "post", team.url("sync/"))
    assert response.status_code == 202
    statuses = [frame["github"]["sync_status"] for frame in await frames(socket, 3)]
    assert statuses == ["queued", "running", "failed"]
    await socket.disconnect()


# --- admin ----------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(db, django_user_model):
    staff = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-12345-long", handle="boss"
    )
    client = Client()
    client.force_login(staff)
    return client


async def test_admin_task_and_member_changes_are_broadcast(team, staff_client):
    socket = await project_socket(team.project.pk, team.viewer)
    form = {
        "project": team.project.pk,
        "title": "Added by staff",
        "description": "",
        "status": "todo",
        "priority": "high",
        "position": 0,
    }
    response = await call(staff_client.post, "/admin/projects/task/add/", form)
    assert response.status_code == 302, response.content[:2000]
    task = await call(Task.objects.get, title="Added by staff")
    assert task.number == 1  # numbered like any task (the form has no number)
    frame = await socket.receive_json_from(timeout=5)
    assert frame["type"] == "task.created" and frame["task"]["title"] == "Added by staff"

    response = await call(staff_client.post, f"/admin/projects/task/{task.pk}/change/", form | {"status": "done"})
    assert response.status_code == 302
    frame = await socket.receive_json_from(timeout=5)
    assert (frame["type"], frame["task"]["status"]) == ("task.updated", "done")

    response = await call(staff_client.post, f"/admin/projects/task/{task.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert (await socket.receive_json_from(timeout=5))["type"] == "task.deleted"

    # Members through the project's inline: one added, the developer removed.
    members = await call(lambda: list(ProjectMember.objects.filter(project=team.project).order_by("id")))
    newcomer = await call(UserFactory)
    project_form = {
        "name": team.project.name,
        "slug": team.project.slug,
        "description": team.project.description,
        "owner": team.owner.pk,
        "visibility": "public",
        "status": "active",
        "github_stars": 0,
        "github_forks": 0,
        "github_open_issues": 0,
        "members-TOTAL_FORMS": len(members) + 1,
        "members-INITIAL_FORMS": len(members),
        "members-MIN_NUM_FORMS": 0,
        "members-MAX_NUM_FORMS": 1000,
    }
    for n, member in enumerate(members):
        project_form |= {
            f"members-{n}-id": member.pk,
            f"members-{n}-project": team.project.pk,
            f"members-{n}-user": member.user_id,
            f"members-{n}-role": member.role,
        }
        if member.user_id == team.developer.pk:
            project_form[f"members-{n}-DELETE"] = "on"
    n = len(members)
    project_form |= {
        f"members-{n}-project": team.project.pk,
        f"members-{n}-user": newcomer.pk,
        f"members-{n}-role": "viewer",
    }
    response = await call(staff_client.post, f"/admin/projects/project/{team.project.pk}/change/", project_form)
    assert response.status_code == 302, response.content[:3000]
    received = {(f["type"], f["user"]["id"], f["role"]) for f in await frames(socket, 2)}
    assert received == {("member.removed", team.developer.pk, "developer"), ("member.added", newcomer.pk, "viewer")}
    await socket.disconnect()


async def test_admin_bulk_delete_goes_through_the_service(team, staff_client):
    tasks = [await call(TaskFactory, project=team.project) for _ in range(2)]
    socket = await project_socket(team.project.pk, team.viewer)
    body = {"action": "delete_selected", "_selected_action": [t.pk for t in tasks], "post": "yes"}
    response = await call(staff_client.post, "/admin/projects/task/", body)
    assert response.status_code == 302
    deleted = {f["task"]["number"] for f in await frames(socket, 2) if f["type"] == "task.deleted"}
    assert deleted == {t.number for t in tasks}
    await socket.disconnect()
