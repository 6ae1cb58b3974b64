"""Event tasks: managers plan them, assignees are the event's participants and move their own."""

import pytest

from events.models import EventTask
from tests.conftest import client_for
from tests.events.conftest import slot_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voter(event):
    user = UserFactory(handle="vera")
    client_for(user).put(f"/api/v1/events/{event.pk}/slots/{slot_ids(event)[0]}/vote/", {"answer": "yes"})
    return user


def test_create_list_update_delete(creator, event, voter):
    url = f"/api/v1/events/{event.pk}/tasks/"
    response = client_for(creator).post(url, {"title": "Book a room", "assigned_to": voter.pk}, format="json")
    assert response.status_code == 201, response.content
    task = response.json()
    assert (task["title"], task["status"], task["assigned_to"]["handle"]) == ("Book a room", "todo", "vera")
    client_for(creator).post(url, {"title": "Order pizza", "status": "doing"}, format="json")
    listing = client_for(voter).get(url).json()
    assert listing["count"] == 2
    assert [(t["title"], t["status"], t["assigned_to"]) for t in listing["results"]][1] == (
        "Order pizza",
        "doing",
        None,
    )
    # The event carries its tasks too (the live frame shows task changes).
    assert [t["title"] for t in client_for(voter).get(f"/api/v1/events/{event.pk}/").json()["tasks"]] == [
        "Book a room", "Order pizza",
    ]  # fmt: skip
    task_url = f"{url}{task['id']}/"
    updated = client_for(creator).patch(task_url, {"status": "done", "assigned_to": None}, format="json")
    assert updated.status_code == 200
    assert (updated.json()["status"], updated.json()["assigned_to"]) == ("done", None)
    assert client_for(creator).get(task_url).json()["status"] == "done"
    assert client_for(creator).delete(task_url).status_code == 204
    assert list(EventTask.objects.values_list("title", flat=True)) == ["Order pizza"]


def test_assignee_must_be_a_participant(creator, event, voter):
    url = f"/api/v1/events/{event.pk}/tasks/"
    stranger = UserFactory()
    response = client_for(creator).post(url, {"title": "x", "assigned_to": stranger.pk}, format="json")
    assert response.status_code == 400 and "assigned_to" in response.json()
    response = client_for(creator).post(url, {"title": "x", "assigned_to": 999999}, format="json")
    assert response.status_code == 400
    assert client_for(creator).post(url, {"title": "x", "assigned_to": creator.pk}, format="json").status_code == 201
    assert EventTask.objects.count() == 1


def test_who_may_change_tasks(creator, event, voter):
    url = f"/api/v1/events/{event.pk}/tasks/"
    task = client_for(creator).post(url, {"title": "Slides", "assigned_to": voter.pk}, format="json").json()
    task_url = f"{url}{task['id']}/"
    other = UserFactory()
    assert client_for(other).post(url, {"title": "Mine"}, format="json").status_code == 403
    assert client_for(other).patch(task_url, {"status": "done"}, format="json").status_code == 403
    # The assignee moves their own task along, but does not rename, reassign or delete it.
    assert client_for(voter).patch(task_url, {"status": "doing"}, format="json").status_code == 200
    assert client_for(voter).patch(task_url, {"title": "Mine"}, format="json").status_code == 403
    assert client_for(voter).delete(task_url).status_code == 403
    task_row = EventTask.objects.get()
    assert (task_row.title, task_row.status) == ("Slides", "doing")


@pytest.mark.parametrize(
    "body",
    [{}, {"title": ""}, {"title": "  "}, {"title": 5}, {"title": "x" * 201}, {"title": "ok", "status": "blocked"},
     {"title": "ok", "assigned_to": "vera"}],
)  # fmt: skip
def test_bad_task_input_is_400(creator, event, body):
    response = client_for(creator).post(f"/api/v1/events/{event.pk}/tasks/", body, format="json")
    assert response.status_code == 400
    assert not EventTask.objects.exists()


def test_cancelled_event_takes_no_task_changes(creator, event):
    url = f"/api/v1/events/{event.pk}/tasks/"
    task = client_for(creator).post(url, {"title": "Slides"}, format="json").json()
    client_for(creator).patch(f"/api/v1/events/{event.pk}/", {"status": "cancelled"}, format="json")
    assert client_for(creator).post(url, {"title": "More"}, format="json").status_code == 400
    assert client_for(creator).patch(f"{url}{task['id']}/", {"status": "done"}, format="json").status_code == 400
    assert client_for(creator).get(url).status_code == 200
