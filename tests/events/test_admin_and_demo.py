"""Events in the Django admin (lists, filters, the cancel action) and the demo data of seed_demo."""

from io import StringIO

import pytest
from django.core.management import call_command

from events import services
from events.models import Event, EventStatus, Slot, Vote
from notifications.models import Notification
from tests.events.conftest import make_event, slot_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(email="root@example.com", password="pw-123456789", handle="root")
    client.force_login(admin)
    return client


def test_admin_lists_and_filters(staff_client, creator, room):
    event = make_event(creator=creator, room=room, title="Roomy")
    make_event(creator=creator, title="Alone")
    services.vote_set(event=event, user=creator, slot_id=slot_ids(event)[0], answer="yes")
    services.event_task_create(event=event, actor=creator, title="Snacks")
    for url in ("/admin/events/event/", "/admin/events/vote/", "/admin/events/eventtask/",
                f"/admin/events/event/{event.pk}/change/"):  # fmt: skip
        assert staff_client.get(url).status_code == 200, url
    in_room = staff_client.get("/admin/events/event/?in_room=yes").content.decode()
    assert "Roomy" in in_room and "Alone" not in in_room
    standalone = staff_client.get("/admin/events/event/?in_room=no").content.decode()
    assert "Alone" in standalone and "Roomy" not in standalone
    drafts = staff_client.get("/admin/events/event/?status__exact=draft").content.decode()
    assert "Roomy" in drafts
    assert staff_client.get("/admin/events/vote/?answer__exact=yes").status_code == 200
    assert staff_client.get("/admin/events/eventtask/?status__exact=todo").status_code == 200
    assert staff_client.get("/admin/events/event/?q=Roomy").status_code == 200


def test_admin_cancel_action_goes_through_the_service(staff_client, creator, django_capture_on_commit_callbacks):
    event = make_event(creator=creator)
    voter = UserFactory()
    services.vote_set(event=event, user=voter, slot_id=slot_ids(event)[0], answer="yes")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/events/event/", {"action": "cancel_events", "_selected_action": [event.pk]}, follow=True
        )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert list(Notification.objects.filter(verb="event_cancelled").values_list("recipient_id", flat=True)) == [
        voter.pk
    ]


def test_demo_event_in_the_demo_room_idempotent():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    event = Event.objects.get()
    assert event.room.name == "Python"
    assert event.created_by.handle == "alice"
    assert Slot.objects.filter(event=event).count() == 3
    assert Vote.objects.filter(slot__event=event).count() == 7
    assert set(Vote.objects.values_list("user__handle", flat=True)) == {"alice", "bob", "carol"}


def test_admin_add_and_change_go_through_the_services(
    staff_client, creator, room, outsider, captured_events, on_commit
):
    inlines = {"slots-TOTAL_FORMS": 0, "slots-INITIAL_FORMS": 0, "tasks-TOTAL_FORMS": 0, "tasks-INITIAL_FORMS": 0}
    form = {"title": "Staff planned", "description": "", "location": "", "duration_minutes": 45,
            "created_by": creator.pk, "room": room.pk, **inlines}  # fmt: skip
    # Outside the room, the creator is refused on the form (no error page, nothing saved).
    refused = staff_client.post("/admin/events/event/add/", {**form, "created_by": outsider.pk})
    assert refused.status_code == 200 and "member of the room" in refused.content.decode()
    bad_duration = staff_client.post("/admin/events/event/add/", {**form, "duration_minutes": 0})
    assert bad_duration.status_code == 200
    assert not Event.objects.exists()

    assert staff_client.post("/admin/events/event/add/", form).status_code == 302
    event = Event.objects.get()
    assert (event.slug, event.created_by, event.room, event.duration_minutes) == ("staff-planned", creator, room, 45)
    change = {**form, "title": "Renamed by staff", "duration_minutes": 60}
    change.pop("created_by"), change.pop("room")
    with on_commit():
        assert staff_client.post(f"/admin/events/event/{event.pk}/change/", change).status_code == 302
    event.refresh_from_db()
    assert (event.title, event.duration_minutes) == ("Renamed by staff", 60)
    frames = [e for group, e in captured_events if group == f"room.{room.pk}" and e["type"] == "event.updated"]
    assert frames and frames[-1]["event"]["title"] == "Renamed by staff"


def test_votes_and_tasks_are_read_only_in_admin(staff_client, creator):
    event = make_event(creator=creator)
    services.vote_set(event=event, user=creator, slot_id=slot_ids(event)[0], answer="yes")
    vote = Vote.objects.get()
    assert staff_client.get("/admin/events/vote/add/").status_code == 403
    response = staff_client.post(f"/admin/events/vote/{vote.pk}/change/", {"answer": "maybe"})
    assert response.status_code == 403
    vote.refresh_from_db()
    assert vote.answer == "yes"
