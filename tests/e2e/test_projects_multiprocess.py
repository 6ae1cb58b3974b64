"""Live project boards across processes, all sharing one Redis: two daphne processes, and a real Celery
worker. A REST task change on process A reaches a project socket on process B; a /task command typed
into a room socket on B reaches A's board; a GitHub sync run by the worker reaches the board and the
project's room (sync status, commits, the task a commit closed) through daphne."""

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from projects.models import Project
from tests.conftest import access_token_for
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoomFactory,
    TaskFactory,
    UserFactory,
)
from tests.live import BASE_DIR, daphne_server, redis_url_or_skip, server_env, stop
from tests.projects.github_server import FakeRepo, fake_github, make_commit
from tests.projects.test_celery_worker import projects_redis_url

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.timeout(150)]


def api(server, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{server.http_url}/api/v1/{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def next_frame(socket, frame_type: str | None = None, timeout: float = 10) -> dict:
    """The next frame (of `frame_type`, skipping presence chatter and the like)."""
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame_type is None or frame["type"] == frame_type:
            return frame


def isolated_env() -> dict:
    prefix = f"cn-e2e-projects-{uuid.uuid4().hex[:8]}"  # apart from other runs on this Redis database
    return {"REDIS_URL": redis_url_or_skip(), "CHANNEL_LAYER_PREFIX": prefix, "CACHE_KEY_PREFIX": prefix}


def test_task_changes_cross_processes(tmp_path):
    owner, developer = UserFactory(handle="owner_e2e"), UserFactory(handle="dev_e2e")
    room = RoomFactory(creator=owner, name="Board chat", slug="board-chat")
    MembershipFactory(room=room, user=developer)
    project = ProjectFactory(owner=owner, visibility="private", room=room)
    ProjectMemberFactory(project=project, user=developer, role="developer")
    outsider = UserFactory(handle="outsider_e2e")
    tokens = {user.handle: access_token_for(user) for user in (owner, developer, outsider)}
    board = f"/ws/projects/{project.pk}/?token="

    env = isolated_env()
    with daphne_server(tmp_path, **env) as server_a, daphne_server(tmp_path, **env) as server_b:
        with (
            connect(server_b.ws_url + board + tokens["owner_e2e"], open_timeout=10) as board_on_b,
            connect(server_a.ws_url + board + tokens["owner_e2e"], open_timeout=10) as board_on_a,
        ):
            for socket in (board_on_a, board_on_b):  # subscribed on both before anything happens
                socket.send(json.dumps({"type": "ping"}))
                assert next_frame(socket) == {"type": "pong"}

            # REST on A → the board socket on B (and on A).
            status, task = api(server_a, "POST", f"projects/{project.pk}/tasks/", tokens["dev_e2e"], {"title": "X"})
            assert status == 201
            assert next_frame(board_on_b) == {"type": "task.created", "task": task}
            assert next_frame(board_on_a) == {"type": "task.created", "task": task}
            path = f"projects/{project.pk}/tasks/{task['number']}/"
            status, updated = api(server_a, "PATCH", path, tokens["dev_e2e"], {"status": "in_progress"})
            assert status == 200
            assert next_frame(board_on_b) == {"type": "task.updated", "task": updated}

            # A slash command in a room socket on B → the board on A, and the system message in the room.
            with connect(f"{server_b.ws_url}/ws/rooms/{room.pk}/?token={tokens['dev_e2e']}") as chat_on_b:
                next_frame(chat_on_b, "presence")
                chat_on_b.send(json.dumps({"type": "message.send", "content": "/task Cross the streams"}))
                created = next_frame(board_on_a, "task.created")["task"]
                assert (created["number"], created["title"]) == (2, "Cross the streams")
                note = next_frame(chat_on_b, "message.new")["message"]
                assert note["kind"] == "system" and note["data"]["task"] == {"project": project.pk, "number": 2}

        # An outsider of the private project is refused on either process.
        for server in (server_a, server_b):
            with connect(server.ws_url + board + tokens["outsider_e2e"], open_timeout=10) as refused:
                with pytest.raises(ConnectionClosed) as closed:
                    refused.recv(timeout=10)
                assert closed.value.rcvd.code == 4404


def test_worker_sync_reaches_the_board_and_the_room(tmp_path):
    broker = projects_redis_url()
    env = isolated_env() | {"CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0"}
    owner, developer = UserFactory(handle="owner_sync"), UserFactory(email="dev-sync@example.com")
    room = RoomFactory(creator=owner, name="Sync chat", slug="sync-chat")
    project = ProjectFactory(owner=owner, room=room, repo_url="https://github.com/octo/worker")
    TaskFactory(project=project, title="Ship it")
    token = access_token_for(owner)

    with fake_github(page_size=2) as github:
        github.add_repo(
            FakeRepo(
                "octo/worker",
                commits=[
                    make_commit("a" * 40, "Closes #1", email="dev-sync@example.com", minutes_ago=0),
                    make_commit("b" * 40, "second", minutes_ago=1),
                ],
            )
        )
        env |= {"GITHUB_API_URL": github.url, "GITHUB_SYNC_COMMITS": "10"}
        log_path = tmp_path / "celery-worker.log"
        command = [sys.executable, "-m", "celery", "-A", "codenest", "worker", "--pool=solo", "--loglevel=info"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with open(log_path, "wb") as log:
            worker = subprocess.Popen(
                command, cwd=BASE_DIR, env=server_env(**env), stdout=log, stderr=subprocess.STDOUT
            )
        try:
            with (
                daphne_server(tmp_path, **env) as server,
                connect(f"{server.ws_url}/ws/projects/{project.pk}/?token={token}", open_timeout=10) as board,
                connect(f"{server.ws_url}/ws/rooms/{room.pk}/?token={token}", open_timeout=10) as chat,
            ):
                next_frame(chat, "presence")
                board.send(json.dumps({"type": "ping"}))
                assert next_frame(board) == {"type": "pong"}

                status, body = api(server, "POST", f"projects/{project.pk}/sync/", token)
                assert (status, body) == (202, {"sync_status": "queued"})
                seen = []
                while (
                    not seen or seen[-1]["type"] != "sync" or seen[-1]["github"]["sync_status"] in ("queued", "running")
                ):
                    seen.append(next_frame(board, timeout=60))
                statuses = [f["github"]["sync_status"] for f in seen if f["type"] == "sync"]
                assert statuses == ["queued", "running", "ok"], (statuses, log_path.read_text(errors="replace")[-3000:])
                commits = [f["commit"]["sha"] for f in seen if f["type"] == "commit.new"]
                assert commits == ["b" * 40, "a" * 40]  # oldest first
                authors = [f["commit"]["author"] for f in seen if f["type"] == "commit.new"]
                assert authors[0] is None and authors[1]["id"] == developer.pk  # matched by e-mail
                closed = [f["task"] for f in seen if f["type"] == "task.updated"]
                assert [(t["number"], t["status"]) for t in closed] == [(1, "done")]

                notes = [next_frame(chat, "message.new")["message"] for _ in range(2)]
                assert [n["content"] for n in notes] == ["2 new commits on main", "task #1 closed by aaaaaaa"]
                assert all(n["kind"] == "system" and n["author"] is None for n in notes)
        finally:
            stop(worker)
    assert Project.objects.get(pk=project.pk).sync_status == "ok"
