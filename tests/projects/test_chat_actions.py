"""Chat that acts on projects: the /task command (registered by projects into rooms' registry) and
POST rooms/{id}/messages/{mid}/task/ (a message becomes a task)."""

import pytest

from projects.models import Project, ProjectRole, Task
from rooms.models import Message
from rooms.services import message_delete
from tests.factories import (
    MembershipFactory,
    MessageFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoomFactory,
    UserFactory,
)
from tests.projects.conftest import Team
from tests.projects.sockets import call, fresh_layer, next_of, project_socket, room_socket

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(make_client):
    """A team whose project chats in a room every team member (and one more user) belongs to."""
    team = Team(make_client)
    room = RoomFactory(creator=team.owner, name="Team chat", slug="team-chat")
    for who in ("maintainer", "developer", "viewer", "outsider"):
        MembershipFactory(room=room, user=getattr(team, who))
    Project.objects.filter(pk=team.project.pk).update(room=room)
    team.room = room
    return team


# --- /task --------------------------------------------------------------------------------------


async def send(socket, content, **frame):
    await socket.send_json_to({"type": "message.send", "content": content, **frame})


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
async def test_task_command_creates_a_task_and_links_it_in_the_room(linked):
    team = linked
    chat = await room_socket(team.room.pk, team.developer)
    board = await project_socket(team.project.pk, team.viewer)
    await send(chat, "/task   Fix the   login page ", client_id="t-1")

    message = (await next_of(chat, "message.new"))["message"]
    assert (message["kind"], message["author"]) == ("system", None)
    assert message["content"] == f"{team.developer.handle} created task #1: Fix the login page"
    assert message["data"] == {
        "command": "task",
        "by": team.developer.pk,
        "task": {"project": team.project.pk, "number": 1},
    }
    frame = await board.receive_json_from(timeout=5)
    assert frame["type"] == "task.created"
    assert (frame["task"]["number"], frame["task"]["title"]) == (1, "Fix the login page")
    task = await call(Task.objects.get)
    assert (task.project_id, task.created_by_id, task.status) == (team.project.pk, team.developer.pk, "todo")

    # The same frame again (a client retry) makes no second task.
    await send(chat, "/task Fix the login page", client_id="t-1")
    assert (await next_of(chat, "message.new"))["message"]["id"] == message["id"]
    assert await call(Task.objects.count) == 1
    assert await board.receive_nothing(timeout=0.3)
    await chat.disconnect()
    await board.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
@pytest.mark.parametrize(
    ("who", "content", "code", "detail"),
    [
        ("viewer", "/task Nope", "forbidden", "Only a project developer or above may create tasks."),
        ("outsider", "/task Nope", "forbidden", "Only a project developer or above may create tasks."),
        ("developer", "/task", "invalid", {"content": ["Usage: /task <title>"]}),
        ("developer", "/task " + "x" * 201, "invalid", {"content": ["A task title has at most 200 characters."]}),
    ],
)
async def test_task_command_errors(linked, who, content, code, detail):
    chat = await room_socket(linked.room.pk, getattr(linked, who))
    await send(chat, content)
    frame = await next_of(chat, "error")
    assert (frame["code"], frame["detail"]) == (code, detail)
    assert not await call(Task.objects.exists)
    assert not await call(Message.objects.exists)
    await chat.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
async def test_task_command_needs_a_linked_project(make_client):
    room = await call(RoomFactory)
    chat = await room_socket(room.pk, room.creator)
    await send(chat, "/task Something")
    frame = await next_of(chat, "error")
    assert (frame["code"], frame["detail"]) == ("invalid", {"project": ["No project is linked to this room."]})
    await chat.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
async def test_task_command_with_several_linked_projects(linked):
    team = linked
    other = await call(ProjectFactory, name="Other", room=team.room)
    # The developer may write only to the team's project: that one is meant.
    chat = await room_socket(team.room.pk, team.developer)
    await send(chat, "/task Mine")
    message = (await next_of(chat, "message.new"))["message"]
    assert message["data"]["task"]["project"] == team.project.pk
    # Someone who may write to both has to say which: use the REST endpoint with a project.
    await call(ProjectMemberFactory, project=other, user=team.developer, role=ProjectRole.DEVELOPER)
    await send(chat, "/task Ambiguous")
    frame = await next_of(chat, "error")
    assert frame["code"] == "invalid" and "Several projects use this room" in frame["detail"]["project"][0]
    await chat.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
async def test_task_command_in_a_private_project_room(linked):
    team = linked
    await call(Project.objects.filter(pk=team.project.pk).update, visibility="private")
    chat = await room_socket(team.room.pk, team.outsider)  # in the room, not in the project
    await send(chat, "/task Sneaky")
    assert (await next_of(chat, "error"))["code"] == "forbidden"
    assert not await call(Task.objects.exists)
    await chat.disconnect()


# --- POST rooms/{id}/messages/{mid}/task/ ---------------------------------------------------------


def task_url(room_id, message_id) -> str:
    return f"/api/v1/rooms/{room_id}/messages/{message_id}/task/"


def test_message_becomes_a_task_of_the_rooms_project(linked):
    team = linked
    text = "The login page 500s on empty passwords\n\nSteps: open /login, submit."
    message = MessageFactory(room=team.room, author=team.viewer, content=text)
    response = team.client("developer").post(task_url(team.room.pk, message.pk), {}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["project"], body["source_message"]) == (1, team.project.pk, message.pk)
    assert (body["title"], body["description"]) == ("The login page 500s on empty passwords", text)
    task = Task.objects.get()
    assert (task.source_message_id, task.created_by_id) == (message.pk, team.developer.pk)
    note = Message.objects.get(kind="system")
    assert note.author_id is None and note.room_id == team.room.pk
    assert note.content == f"{team.developer.handle} turned a message into task #1: {body['title']}"
    assert note.data == {
        "task": {"project": team.project.pk, "number": 1},
        "message": message.pk,
        "by": team.developer.pk,
    }
    # Asking again returns that task (200) instead of a duplicate.
    again = team.client("maintainer").post(task_url(team.room.pk, message.pk), {}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Task.objects.count() == 1 and Message.objects.filter(kind="system").count() == 1


def test_message_to_another_project_with_a_title(linked):
    team = linked
    elsewhere = ProjectFactory(owner=team.developer, name="Elsewhere")
    message = MessageFactory(room=team.room, content="x" * 10)
    body = {"project": elsewhere.pk, "title": "  Chosen title "}
    response = team.client("developer").post(task_url(team.room.pk, message.pk), body, format="json")
    assert response.status_code == 201
    assert (response.json()["project"], response.json()["title"]) == (elsewhere.pk, "Chosen title")
    # Not the room's project: the room hears nothing about it (no leak of another project's tasks).
    assert not Message.objects.filter(kind="system").exists()


def test_code_message_and_long_first_line(linked):
    team = linked
    code = MessageFactory(room=team.room, kind="code", code_language="python", content="print(1)")
    response = team.client("developer").post(task_url(team.room.pk, code.pk), {}, format="json")
    assert response.json()["description"] == "```python\nprint(1)\n```"
    long = MessageFactory(room=team.room, content="word " * 100)
    title = team.client("developer").post(task_url(team.room.pk, long.pk), {}, format="json").json()["title"]
    assert len(title) == 200 and title.endswith("…") and title.startswith("word word")


@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("viewer", {}, 403),  # may see the project, may not write tasks
        ("anon", {}, 401),
        ("developer", {"project": "abc"}, 400),
        ("developer", {"project": [1]}, 400),
        ("developer", {"project": 2**70}, 400),
        ("developer", {"title": "t" * 201}, 400),
        ("developer", {"title": 5, "project": None}, 201),
        ("developer", ["not", "an", "object"], 400),
    ],
)
def test_message_to_task_bad_input_and_rights(linked, who, body, status):
    team = linked
    message = MessageFactory(room=team.room, content="Something to do")
    response = team.client(who).post(task_url(team.room.pk, message.pk), body, format="json")
    assert response.status_code == status, response.json()
    assert Task.objects.exists() == (status == 201)


def test_message_to_task_visibility(linked, make_client):
    team = linked
    message = MessageFactory(room=team.room, content="Something")
    stranger = make_client(UserFactory())
    private_room = RoomFactory(is_public=False, creator=team.owner)
    hidden = MessageFactory(room=private_room, content="secret")
    other_room_message = MessageFactory(content="elsewhere")
    secret_project = ProjectFactory(visibility="private")
    developer = team.client("developer")

    assert stranger.post(task_url(private_room.pk, hidden.pk), {}, format="json").status_code == 404
    assert stranger.post(task_url(team.room.pk, message.pk), {}, format="json").status_code == 403  # not a member
    assert developer.post(task_url(team.room.pk, other_room_message.pk), {}, format="json").status_code == 404
    assert developer.post(task_url(team.room.pk, 424242), {}, format="json").status_code == 404
    assert developer.post(task_url(2**70, 1), {}, format="json").status_code == 404
    body = {"project": secret_project.pk}
    assert developer.post(task_url(team.room.pk, message.pk), body, format="json").status_code == 404
    assert not Task.objects.exists()


def test_message_to_task_needs_a_live_message_and_a_project(linked, make_client):
    team = linked
    message = MessageFactory(room=team.room, author=team.developer, content="gone soon")
    message_delete(room=team.room, actor=team.developer, message_id=message.pk)
    response = team.client("developer").post(task_url(team.room.pk, message.pk), {}, format="json")
    assert response.status_code == 400 and response.json() == {"message": ["This message was deleted."]}

    empty = MessageFactory(room=team.room, content="")
    response = team.client("developer").post(task_url(team.room.pk, empty.pk), {}, format="json")
    assert response.status_code == 400 and "title" in response.json()

    lonely_room = RoomFactory()
    lonely = MessageFactory(room=lonely_room, content="no project here")
    response = make_client(lonely_room.creator).post(task_url(lonely_room.pk, lonely.pk), {}, format="json")
    assert response.status_code == 400 and response.json() == {"project": ["No project is linked to this room."]}
    assert not Task.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures(fresh_layer.__name__)
async def test_message_to_task_reaches_the_board_and_the_room(linked):
    team = linked
    message = await call(MessageFactory, room=team.room, content="Ship the socket")
    board = await project_socket(team.project.pk, team.owner)
    chat = await room_socket(team.room.pk, team.owner)
    client = await call(team.client, "developer")
    response = await call(client.post, task_url(team.room.pk, message.pk), {}, format="json")
    assert response.status_code == 201
    frame = await board.receive_json_from(timeout=5)
    assert frame == {"type": "task.created", "task": response.json()}
    note = (await next_of(chat, "message.new"))["message"]
    assert note["kind"] == "system" and note["data"]["task"] == {"project": team.project.pk, "number": 1}
    await board.disconnect()
    await chat.disconnect()


def test_message_to_task_is_rate_limited_per_user(linked, settings):
    settings.RATELIMIT_WRITE_SCOPES = {"room-message.task": "2/m"}
    team = linked
    messages = [MessageFactory(room=team.room, content=f"todo {n}") for n in range(3)]
    client = team.client("developer")
    answers = [client.post(task_url(team.room.pk, m.pk), {}, format="json") for m in messages]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert int(answers[2]["Retry-After"]) >= 1 and answers[2].json()["retry_after"] >= 1
    assert Task.objects.count() == 2
    # Another user has a budget of their own.
    assert team.client("maintainer").post(task_url(team.room.pk, messages[2].pk), {}, format="json").status_code == 201


def test_message_to_task_is_documented_with_its_errors(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/rooms/{room_id}/messages/{message_id}/task/"]["post"]
    assert {"200", "201", "400", "401", "403", "404", "429"} <= set(operation["responses"])
