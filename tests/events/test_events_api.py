"""Events: create, read, change, cancel, delete; visibility follows the room (private: 404)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event, EventStatus, Slot, Vote
from notifications.models import Notification
from rooms.models import Role
from tests.conftest import client_for
from tests.events.conftest import in_hours, make_event, slot_ids
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


# --- create ----------------------------------------------------------------------------------


def test_create_standalone_event_with_slots(creator):
    starts = [in_hours(30), in_hours(5)]
    response = client_for(creator).post(
        "/api/v1/events/",
        {"title": "  Code & coffee ", "description": "Bring a laptop", "location": "Berlin",
         "duration_minutes": 90, "slots": [iso(s) for s in starts]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.data
    body = response.json()
    assert set(body) >= {
        "id", "slug", "title", "description", "room", "created_by", "status", "location", "duration_minutes",
        "slots", "locked_slot", "my_votes", "participant_count", "created_at", "suggested_slot",
    }  # fmt: skip
    assert body["title"] == "Code & coffee"
    assert body["slug"] == "code-coffee"
    assert body["room"] is None
    assert body["created_by"] == {"id": creator.pk, "handle": "cleo", "name": creator.name, "avatar": ""}
    assert body["status"] == "draft"
    assert body["locked_slot"] is None
    assert body["my_votes"] == {}
    assert body["participant_count"] == 0
    assert [s["starts_at"] for s in body["slots"]] == [iso(starts[1]), iso(starts[0])]
    assert body["slots"][0] == {"id": body["slots"][0]["id"], "starts_at": iso(starts[1]), "yes": 0, "maybe": 0,
                                "voters": []}  # fmt: skip
    assert body["suggested_slot"] == body["slots"][0]["id"]  # no votes: the earliest


def test_slugs_stay_unique(creator):
    first = client_for(creator).post("/api/v1/events/", {"title": "Same"}, format="json").json()
    second = client_for(creator).post("/api/v1/events/", {"title": "Same"}, format="json").json()
    assert first["slug"] == "same"
    assert second["slug"].startswith("same-") and second["slug"] != first["slug"]


def test_create_in_a_room_needs_membership(room, member, outsider):
    response = client_for(member).post("/api/v1/events/", {"title": "Room event", "room": room.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["room"] == room.pk
    refused = client_for(outsider).post("/api/v1/events/", {"title": "Gatecrash", "room": room.pk}, format="json")
    assert refused.status_code == 403
    assert Event.objects.count() == 1


def test_create_in_a_hidden_room_looks_like_no_room(private_room, outsider):
    response = client_for(outsider).post("/api/v1/events/", {"title": "Spy", "room": private_room.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"room": ["No such room."]}
    missing = client_for(outsider).post("/api/v1/events/", {"title": "Spy", "room": 999999}, format="json")
    assert missing.json() == {"room": ["No such room."]}
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 12}, None),
        ({"title": ["a"]}, "title"),
        ({"title": "ok", "duration_minutes": 0}, "duration_minutes"),
        ({"title": "ok", "duration_minutes": "long"}, "duration_minutes"),
        ({"title": "ok", "duration_minutes": 10**20}, "duration_minutes"),
        ({"title": "ok", "room": "lobby"}, "room"),
        ({"title": "ok", "room": 2**70}, "room"),
        ({"title": "ok", "slots": "tomorrow"}, "slots"),
        ({"title": "ok", "slots": ["not a date"]}, "slots"),
        ({"title": "ok", "slots": ["2001-01-01T10:00:00Z"]}, "starts_at"),
        ({"title": "ok", "slots": ["9999-12-31T23:59:00Z"]}, "starts_at"),
        ({"title": "ok", "description": "d" * 5001}, "description"),
    ],
)
def test_bad_create_input_is_a_400_and_writes_nothing(creator, body, field):
    response = client_for(creator).post("/api/v1/events/", body, format="json")
    assert response.status_code == 400, response.content
    if field:
        assert field in response.json()
    assert not Event.objects.exists()


def test_duplicate_and_too_many_initial_slots(creator):
    start = iso(in_hours(10))
    dup = client_for(creator).post("/api/v1/events/", {"title": "x", "slots": [start, start]}, format="json")
    assert dup.status_code == 400 and "slots" in dup.json()
    many = [iso(in_hours(10 + n)) for n in range(51)]
    too_many = client_for(creator).post("/api/v1/events/", {"title": "x", "slots": many}, format="json")
    assert too_many.status_code == 400 and "slots" in too_many.json()
    assert not Event.objects.exists() and not Slot.objects.exists()


def test_malformed_json_and_non_object_bodies(creator):
    client = client_for(creator)
    bad = client.generic("POST", "/api/v1/events/", '{"title": ', content_type="application/json")
    assert bad.status_code == 400
    assert client.post("/api/v1/events/", ["title"], format="json").status_code == 400
    assert client.post("/api/v1/events/", "plain", content_type="text/plain").status_code == 415
    assert not Event.objects.exists()


def test_anonymous_cannot_write(anon_client, event):
    assert anon_client.post("/api/v1/events/", {"title": "x"}, format="json").status_code == 401
    assert anon_client.patch(f"/api/v1/events/{event.pk}/", {"title": "x"}, format="json").status_code == 401
    slot = slot_ids(event)[0]
    put = anon_client.put(f"/api/v1/events/{event.pk}/slots/{slot}/vote/", {"answer": "yes"}, format="json")
    assert put.status_code == 401


# --- read and visibility ---------------------------------------------------------------------


def test_visibility_of_events(creator, room, private_room, outsider):
    standalone = make_event(creator=creator, title="Open")
    public_room_event = make_event(creator=creator, room=room, title="Public room")
    secret = make_event(creator=creator, room=private_room, title="Secret")

    def titles(user):
        response = client_for(user).get("/api/v1/events/")
        assert response.status_code == 200
        return {e["title"] for e in response.json()["results"]}

    assert titles(creator) == {"Open", "Public room", "Secret"}
    assert titles(outsider) == {"Open", "Public room"}
    assert titles(None) == {"Open", "Public room"}
    outsider_client = client_for(outsider)
    assert outsider_client.get(f"/api/v1/events/{secret.pk}/").status_code == 404
    assert outsider_client.get(f"/api/v1/events/{standalone.pk}/").status_code == 200
    assert outsider_client.get(f"/api/v1/events/{public_room_event.pk}/").status_code == 200
    # Every path under a hidden event is as absent as the event itself.
    slot = slot_ids(secret)[0]
    assert outsider_client.get(f"/api/v1/events/{secret.pk}/ical/").status_code == 404
    assert outsider_client.get(f"/api/v1/events/{secret.pk}/tasks/").status_code == 404
    new_slot = {"starts_at": iso(in_hours(5))}
    assert outsider_client.post(f"/api/v1/events/{secret.pk}/slots/", new_slot).status_code == 404
    vote = outsider_client.put(f"/api/v1/events/{secret.pk}/slots/{slot}/vote/", {"answer": "yes"}, format="json")
    assert vote.status_code == 404
    assert outsider_client.post(f"/api/v1/events/{secret.pk}/lock/", {"slot": slot}).status_code == 404
    assert outsider_client.patch(f"/api/v1/events/{secret.pk}/", {"status": "cancelled"}).status_code == 404
    assert outsider_client.delete(f"/api/v1/events/{secret.pk}/").status_code == 404
    assert not Vote.objects.exists()
    # Joining the private room (here: being added) makes its events visible.
    MembershipFactory(room=private_room, user=outsider)
    assert "Secret" in titles(outsider)


def test_unknown_and_huge_ids_are_404(creator, event):
    client = client_for(creator)
    assert client.get("/api/v1/events/999999/").status_code == 404
    assert client.get(f"/api/v1/events/{2**70}/").status_code == 404
    assert client.delete(f"/api/v1/events/{event.pk}/slots/{2**70}/").status_code == 404
    assert client.put(f"/api/v1/events/{event.pk}/slots/{2**70}/vote/", {"answer": "yes"}).status_code == 404
    assert client.patch(f"/api/v1/events/{event.pk}/tasks/{2**70}/", {"title": "x"}).status_code == 404


def test_list_filters(creator, room):
    in_room = make_event(creator=creator, room=room, title="In room")
    past_only = make_event(creator=creator, title="Old", slots=(1,))
    Slot.objects.filter(event=past_only).update(starts_at=timezone.now() - timedelta(hours=2))
    make_event(creator=creator, title="Soon", slots=(2, 200))
    later = make_event(creator=creator, title="Later", slots=(50,))
    cancelled = make_event(creator=creator, title="Called off", slots=(3,))
    Event.objects.filter(pk=cancelled.pk).update(status=EventStatus.CANCELLED)
    client = client_for(creator)

    def titles(query):
        response = client.get(f"/api/v1/events/?{query}")
        assert response.status_code == 200, response.content
        return [e["title"] for e in response.json()["results"]]

    assert titles(f"room={room.pk}") == ["In room"]
    assert titles("status=cancelled") == ["Called off"]
    assert set(titles("status=draft")) == {"In room", "Old", "Soon", "Later"}
    # Upcoming: still to come and not cancelled, soonest first.
    assert titles("upcoming=true") == ["Soon", "In room", "Later"]
    assert titles("upcoming=false")[0] == "Called off"  # newest first
    assert in_room and later
    for bad in ("room=abc", "room=0", "status=open", "upcoming=perhaps", f"room={2**70}"):
        assert client.get(f"/api/v1/events/?{bad}").status_code == 400, bad


# --- change, cancel, delete ------------------------------------------------------------------


def test_creator_and_room_moderators_edit_others_403(creator, room, moderator, member):
    event = make_event(creator=creator, room=room)
    url = f"/api/v1/events/{event.pk}/"
    assert client_for(member).patch(url, {"title": "Hijacked"}, format="json").status_code == 403
    response = client_for(moderator).patch(url, {"title": "Renamed", "location": "Room 2"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["location"]) == ("Renamed", "Room 2")
    response = client_for(creator).patch(url, {"duration_minutes": 30}, format="json")
    assert response.json()["duration_minutes"] == 30
    event.refresh_from_db()
    assert (event.title, event.duration_minutes) == ("Renamed", 30)


def test_standalone_event_only_its_creator_edits(event, outsider):
    response = client_for(outsider).patch(f"/api/v1/events/{event.pk}/", {"title": "Mine now"}, format="json")
    assert response.status_code == 403
    assert client_for(outsider).delete(f"/api/v1/events/{event.pk}/").status_code == 403
    assert Event.objects.filter(pk=event.pk, title="Meetup").exists()


def test_patch_status_other_than_cancelled_is_400(event, creator):
    for status in ("locked", "draft", "done", 5):
        response = client_for(creator).patch(f"/api/v1/events/{event.pk}/", {"status": status}, format="json")
        assert response.status_code == 400
        assert "status" in response.json()
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_cancel_notifies_every_voter_once(event, creator, on_commit):
    voters = UserFactory.create_batch(3)
    first, second, _ = slot_ids(event)
    for voter, slot in zip(voters, (first, second, second), strict=True):
        client_for(voter).put(f"/api/v1/events/{event.pk}/slots/{slot}/vote/", {"answer": "yes"}, format="json")
    url = f"/api/v1/events/{event.pk}/"
    with on_commit():
        response = client_for(creator).patch(url, {"status": "cancelled"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["suggested_slot"] is None
    notes = Notification.objects.filter(verb="event_cancelled")
    assert sorted(n.recipient_id for n in notes) == sorted(v.pk for v in voters)
    assert all(n.target_type == "event" and n.target_id == event.pk and n.actor_id == creator.pk for n in notes)
    assert notes[0].data["event"] == event.pk
    # Cancelling again changes nothing and tells nobody twice.
    with on_commit():
        assert client_for(creator).patch(url, {"status": "cancelled"}, format="json").status_code == 200
    assert Notification.objects.filter(verb="event_cancelled").count() == 3
    # A cancelled event takes no more edits.
    assert client_for(creator).patch(url, {"title": "Back on"}, format="json").status_code == 400


def test_delete_removes_event_slots_votes_and_tasks(creator, event):
    voter = UserFactory()
    slot = slot_ids(event)[0]
    client_for(voter).put(f"/api/v1/events/{event.pk}/slots/{slot}/vote/", {"answer": "yes"}, format="json")
    client_for(creator).post(f"/api/v1/events/{event.pk}/lock/", {"slot": slot}, format="json")
    client_for(creator).post(f"/api/v1/events/{event.pk}/tasks/", {"title": "Book a room"}, format="json")
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/").status_code == 204
    assert not Event.objects.exists() and not Slot.objects.exists() and not Vote.objects.exists()
    assert client_for(creator).get(f"/api/v1/events/{event.pk}/").status_code == 404


def test_room_owner_deleting_room_takes_its_events(creator, room):
    make_event(creator=creator, room=room)
    room.delete()
    assert not Event.objects.exists()


def test_room_moderator_of_another_room_has_no_power(creator, room):
    other_room = RoomFactory()
    stranger_mod = MembershipFactory(room=other_room, role=Role.MODERATOR).user
    MembershipFactory(room=room, user=stranger_mod)  # a plain member here
    event = make_event(creator=creator, room=room)
    response = client_for(stranger_mod).patch(f"/api/v1/events/{event.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 403


def test_service_checks_what_callers_without_a_serializer_send(creator, room):
    """`/event <title>` in chat (and admin) call event_create directly: the service guards itself."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from events import services

    for bad in ({"title": "x" * 201}, {"title": " "}, {"title": "ok", "duration_minutes": 0},
                {"title": "ok", "location": "l" * 201}):  # fmt: skip
        with pytest.raises(ValidationError):
            services.event_create(creator=creator, **bad)
    with pytest.raises(PermissionDenied):
        services.event_create(creator=UserFactory(), title="Not my room", room=room)
    event = services.event_create(creator=creator, title="  /event from chat ", room=room)
    assert (event.title, event.status, event.room_id, event.slots.count()) == ("/event from chat", "draft", room.pk, 0)


def test_writes_are_rate_limited_per_user(event, settings):
    settings.RATELIMIT_WRITE_SCOPES = {"event-slot.vote": "3/m"}
    client = client_for(UserFactory())
    slot = slot_ids(event)[0]
    url = f"/api/v1/events/{event.pk}/slots/{slot}/vote/"
    statuses = [client.put(url, {"answer": "yes"}, format="json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.put(url, {"answer": "maybe"}, format="json")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert Vote.objects.get().answer == "yes"


def test_event_endpoints_document_their_errors(anon_client):
    schema = anon_client.get("/api/schema/?format=json").json()
    vote = schema["paths"]["/api/v1/events/{event_pk}/slots/{id}/vote/"]["put"]["responses"]
    assert {"400", "401", "403", "404", "429"} <= set(vote)
    lock = schema["paths"]["/api/v1/events/{id}/lock/"]["post"]["responses"]
    assert {"200", "400", "403", "404", "429"} <= set(lock)
    assert "text/calendar" in schema["paths"]["/api/v1/events/{id}/ical/"]["get"]["responses"]["200"]["content"]
