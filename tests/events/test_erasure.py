"""An erased account (DELETE users/me/): its votes go, its tasks are unassigned, its events stay."""

import pytest

from events import services
from events.models import Event, EventTask, Vote
from tests.conftest import client_for
from tests.events.conftest import make_event, slot_ids
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_erasing_an_account_removes_its_votes_and_keeps_its_events(creator, on_commit, captured_events):
    leaver, stayer = UserFactory(), UserFactory()
    own_event = make_event(creator=leaver, title="Leaver's meetup")
    other_event = make_event(creator=creator)
    first = slot_ids(other_event)[0]
    for user in (leaver, stayer):
        services.vote_set(event=other_event, user=user, slot_id=first, answer="yes")
    services.event_task_create(event=other_event, actor=creator, title="Slides", assigned_to_id=leaver.pk)

    with on_commit():
        response = client_for(leaver).delete("/api/v1/users/me/", {"password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 204, response.content

    assert list(Vote.objects.values_list("user_id", flat=True)) == [stayer.pk]
    assert EventTask.objects.get().assigned_to is None
    assert Event.objects.filter(pk=own_event.pk).exists()
    body = client_for(stayer).get(f"/api/v1/events/{own_event.pk}/").json()
    assert body["created_by"]["handle"] == "deleted"
    slot = client_for(stayer).get(f"/api/v1/events/{other_event.pk}/").json()["slots"][0]
    assert (slot["yes"], [v["id"] for v in slot["voters"]]) == (1, [stayer.pk])
    # The change is live for those watching the event.
    assert any(e["type"] == "event.updated" and e["event"]["id"] == other_event.pk for _, e in captured_events)
