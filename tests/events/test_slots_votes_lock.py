"""Slots, votes, the suggested slot, locking and the iCalendar file."""

from datetime import UTC, timedelta

import pytest
import time_machine
from django.utils import timezone
from icalendar import Calendar

from events.models import Event, EventStatus, Slot, Vote
from notifications.models import Notification
from tests.conftest import client_for
from tests.events.conftest import in_hours, make_event, slot_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def vote(user, event, slot_id, answer="yes"):
    return client_for(user).put(f"/api/v1/events/{event.pk}/slots/{slot_id}/vote/", {"answer": answer}, format="json")


def lock(user, event, slot_id):
    return client_for(user).post(f"/api/v1/events/{event.pk}/lock/", {"slot": slot_id}, format="json")


# --- slots -----------------------------------------------------------------------------------


def test_add_slot_in_utc_to_the_minute(creator, event):
    start = (timezone.now() + timedelta(days=4)).replace(second=42, microsecond=1234)
    # Given with an offset: stored and answered in UTC.
    local = start.astimezone(timezone.get_fixed_timezone(120)).isoformat()
    response = client_for(creator).post(f"/api/v1/events/{event.pk}/slots/", {"starts_at": local}, format="json")
    assert response.status_code == 201, response.content
    expected = start.replace(second=0, microsecond=0).astimezone(UTC)
    assert response.json() == {"id": response.json()["id"], "starts_at": iso(expected), "yes": 0, "maybe": 0,
                               "voters": []}  # fmt: skip
    assert Slot.objects.get(pk=response.json()["id"]).starts_at == expected


def test_slot_refusals(creator, event, outsider):
    url = f"/api/v1/events/{event.pk}/slots/"
    client = client_for(creator)
    existing = event.slots.order_by("starts_at").first().starts_at
    cases = [
        ({"starts_at": iso(timezone.now() - timedelta(minutes=5))}, "starts_at"),  # past
        ({"starts_at": iso(existing)}, "starts_at"),  # duplicate
        ({"starts_at": iso(existing + timedelta(seconds=30))}, "starts_at"),  # the same minute is the same slot
        ({"starts_at": "9999-01-01T00:00:00Z"}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": 1700000000}, "starts_at"),
        ({}, "starts_at"),
    ]
    for body, field in cases:
        response = client.post(url, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json()
    assert client_for(outsider).post(url, {"starts_at": iso(in_hours(9))}, format="json").status_code == 403
    assert event.slots.count() == 3


def test_at_most_fifty_slots(creator):
    event = make_event(creator=creator, slots=[10 + n for n in range(49)])
    url = f"/api/v1/events/{event.pk}/slots/"
    assert client_for(creator).post(url, {"starts_at": iso(in_hours(100))}, format="json").status_code == 201
    response = client_for(creator).post(url, {"starts_at": iso(in_hours(101))}, format="json")
    assert response.status_code == 400
    assert "at most 50" in response.json()["starts_at"][0]
    assert event.slots.count() == 50


def test_remove_slot_removes_its_votes(creator, event, outsider):
    first, second, _ = slot_ids(event)
    voter = UserFactory()
    vote(voter, event, first)
    vote(voter, event, second)
    assert client_for(outsider).delete(f"/api/v1/events/{event.pk}/slots/{first}/").status_code == 403
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/slots/{first}/").status_code == 204
    assert not Slot.objects.filter(pk=first).exists()
    assert list(Vote.objects.values_list("slot_id", flat=True)) == [second]
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/slots/{first}/").status_code == 404


def test_slot_of_another_event_is_404(creator, event):
    other = make_event(creator=creator, title="Other")
    foreign = slot_ids(other)[0]
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/slots/{foreign}/").status_code == 404
    assert vote(creator, event, foreign).status_code == 404
    assert lock(creator, event, foreign).status_code == 400
    assert Slot.objects.filter(pk=foreign).exists()


# --- votes -----------------------------------------------------------------------------------


def test_vote_change_and_withdraw(event):
    first, second, _ = slot_ids(event)
    ann, ben = UserFactory(handle="ann"), UserFactory(handle="ben")
    response = vote(ann, event, first, "yes")
    assert response.status_code == 200
    assert response.json()["my_votes"] == {str(first): "yes"}
    vote(ann, event, second, "maybe")
    vote(ben, event, first, "maybe")
    body = vote(ann, event, second, "yes").json()  # changed: still one vote
    assert body["my_votes"] == {str(first): "yes", str(second): "yes"}
    assert body["participant_count"] == 2
    slots = {s["id"]: s for s in body["slots"]}
    assert (slots[first]["yes"], slots[first]["maybe"]) == (1, 1)
    assert [v["handle"] for v in slots[first]["voters"]] == ["ann", "ben"]
    assert (slots[second]["yes"], slots[second]["maybe"]) == (1, 0)
    assert Vote.objects.filter(user=ann).count() == 2
    # Another viewer sees their own votes only.
    assert client_for(ben).get(f"/api/v1/events/{event.pk}/").json()["my_votes"] == {str(first): "maybe"}
    assert client_for(None).get(f"/api/v1/events/{event.pk}/").json()["my_votes"] == {}
    # Withdraw, twice (idempotent).
    url = f"/api/v1/events/{event.pk}/slots/{second}/vote/"
    assert client_for(ann).delete(url).status_code == 204
    assert client_for(ann).delete(url).status_code == 204
    assert client_for(ann).get(f"/api/v1/events/{event.pk}/").json()["my_votes"] == {str(first): "yes"}


@pytest.mark.parametrize("body", [{"answer": "no"}, {"answer": "YES"}, {"answer": ""}, {"answer": 1}, {}, ["yes"]])
def test_unknown_answer_is_400(event, body):
    slot = slot_ids(event)[0]
    user = UserFactory()
    response = client_for(user).put(f"/api/v1/events/{event.pk}/slots/{slot}/vote/", body, format="json")
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_vote_malformed_json_is_400(event):
    slot = slot_ids(event)[0]
    response = client_for(UserFactory()).generic(
        "PUT", f"/api/v1/events/{event.pk}/slots/{slot}/vote/", "{answer", content_type="application/json"
    )
    assert response.status_code == 400


def test_vote_after_lock_or_cancel_is_400(creator, event):
    first, second, _ = slot_ids(event)
    voter = UserFactory()
    vote(voter, event, first)
    assert lock(creator, event, first).status_code == 200
    for answer_slot in (first, second):
        response = vote(voter, event, answer_slot, "maybe")
        assert response.status_code == 400
        assert "locked" in str(response.json())
    delete = client_for(voter).delete(f"/api/v1/events/{event.pk}/slots/{first}/vote/")
    assert delete.status_code == 400
    assert Vote.objects.get(user=voter).answer == "yes"
    cancelled = make_event(creator=creator, title="Off")
    client_for(creator).patch(f"/api/v1/events/{cancelled.pk}/", {"status": "cancelled"}, format="json")
    response = vote(voter, cancelled, slot_ids(cancelled)[0])
    assert response.status_code == 400 and "cancelled" in str(response.json())


def test_vote_on_a_past_slot_is_400(creator):
    event = make_event(creator=creator, slots=(1, 5))
    first, _ = slot_ids(event)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = vote(UserFactory(), event, first)
    assert response.status_code == 400
    assert "slot" in response.json()


def test_room_event_votes_are_for_members(room_event, member, outsider, room):
    slot = slot_ids(room_event)[0]
    assert vote(member, room_event, slot).status_code == 200
    assert vote(outsider, room_event, slot).status_code == 403  # sees the public room's event, not a member
    assert Vote.objects.count() == 1


def test_suggested_slot_most_yes_then_maybe_then_earliest(creator):
    event = make_event(creator=creator, slots=(10, 20, 30, 40))
    s10, s20, s30, s40 = slot_ids(event)
    users = UserFactory.create_batch(4)

    def suggested():
        return client_for(creator).get(f"/api/v1/events/{event.pk}/").json()["suggested_slot"]

    assert suggested() == s10  # nothing voted: the earliest
    vote(users[0], event, s30, "yes")
    vote(users[1], event, s40, "yes")
    assert suggested() == s30  # tie on yes and maybe: the earliest of the two
    vote(users[2], event, s40, "maybe")
    assert suggested() == s40  # tie on yes, more maybe
    vote(users[0], event, s20, "yes")
    vote(users[1], event, s20, "yes")
    assert suggested() == s20  # most yes wins over maybes
    for user in users:
        vote(user, event, s10, "maybe")
    assert suggested() == s20  # four maybes do not beat two yes
    # A slot that has started is no longer suggested.
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert suggested() == s40
    lock(creator, event, s30)
    assert suggested() == s30


# --- lock ------------------------------------------------------------------------------------


def test_lock_notifies_every_voter(creator, event, on_commit):
    first, second, third = slot_ids(event)
    voters = UserFactory.create_batch(3)
    vote(voters[0], event, first, "yes")
    vote(voters[1], event, second, "maybe")
    vote(voters[2], event, first, "maybe")
    vote(voters[2], event, third, "yes")
    with on_commit():
        response = lock(creator, event, second)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["locked_slot"], body["suggested_slot"]) == ("locked", second, second)
    notes = Notification.objects.filter(verb="event_locked").order_by("recipient_id")
    assert [n.recipient_id for n in notes] == sorted(v.pk for v in voters)
    note = notes[0]
    assert (note.actor_id, note.target_type, note.target_id) == (creator.pk, "event", event.pk)
    assert note.data["slot"] == second and note.data["event"] == event.pk
    assert "Meetup" in note.message and " UTC" in note.message
    event.refresh_from_db()
    assert (event.status, event.locked_slot_id) == (EventStatus.LOCKED, second)


def test_lock_refusals(creator, room, member, moderator, outsider):
    event = make_event(creator=creator, room=room, slots=(1, 10, 20))
    past, first, second = slot_ids(event)
    assert lock(member, event, first).status_code == 403
    assert lock(outsider, event, first).status_code == 403
    for body in ({}, {"slot": "first"}, {"slot": 0}, {"slot": 2**70}, {"slot": 999999}):
        response = client_for(creator).post(f"/api/v1/events/{event.pk}/lock/", body, format="json")
        assert response.status_code == 400, body
        assert "slot" in response.json()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert lock(creator, event, past).status_code == 400  # already started
    assert lock(moderator, event, first).status_code == 200
    again = lock(creator, event, second)
    assert again.status_code == 400 and "locked" in str(again.json())
    event.refresh_from_db()
    assert event.locked_slot_id == first
    # A locked event's slots are fixed.
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/slots/{second}/").status_code == 400
    response = client_for(creator).post(f"/api/v1/events/{event.pk}/slots/", {"starts_at": iso(in_hours(30))})
    assert response.status_code == 400
    # A cancelled event cannot be locked.
    off = make_event(creator=creator, title="Off")
    client_for(creator).patch(f"/api/v1/events/{off.pk}/", {"status": "cancelled"}, format="json")
    assert lock(creator, off, slot_ids(off)[0]).status_code == 400


def test_locked_event_can_still_be_cancelled(creator, event):
    lock(creator, event, slot_ids(event)[0])
    response = client_for(creator).patch(f"/api/v1/events/{event.pk}/", {"status": "cancelled"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


# --- iCalendar -------------------------------------------------------------------------------


def test_ical_of_the_locked_slot_parses_back(creator, settings):
    settings.SITE_URL = "https://codenest.example"
    event = make_event(
        creator=creator, title="Pairing night; bring snacks", description="Line one\nLine two, with comma",
        location="Hall B", duration_minutes=90, slots=(30, 60),
    )  # fmt: skip
    url = f"/api/v1/events/{event.pk}/ical/"
    assert client_for(creator).get(url).status_code == 400  # not locked yet
    slot = Slot.objects.get(pk=slot_ids(event)[1])
    lock(creator, event, slot.pk)

    for accept in ("*/*", "text/calendar", "application/json"):
        response = client_for(None).get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200, (accept, response.content)
        assert response["Content-Type"].startswith("text/calendar")
        assert 'filename="pairing-night-bring-snacks.ics"' in response["Content-Disposition"]

    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["UID"]) == f"event-{event.pk}@codenest.example"
    assert entry.decoded("DTSTART") == slot.starts_at
    assert entry.decoded("DTSTART").utcoffset() == timedelta(0)
    assert entry.decoded("DTEND") == slot.starts_at + timedelta(minutes=90)
    assert str(entry["SUMMARY"]) == "Pairing night; bring snacks"
    assert str(entry["DESCRIPTION"]) == "Line one\nLine two, with comma"
    assert str(entry["URL"]) == f"https://codenest.example/events/{event.pk}"
    assert str(entry["LOCATION"]) == "Hall B"
    assert entry.get("DTSTAMP") is not None
    # The raw text says UTC the RFC 5545 way.
    assert f"DTSTART:{slot.starts_at:%Y%m%dT%H%M%S}Z" in response.content.decode()


def test_ical_errors_are_json_even_when_calendar_is_asked_for(creator, event):
    response = client_for(creator).get(f"/api/v1/events/{event.pk}/ical/", HTTP_ACCEPT="text/calendar")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "locked" in response.json()["detail"][0]


def test_deleting_a_locked_event_is_allowed(creator, event):
    lock(creator, event, slot_ids(event)[0])
    assert client_for(creator).delete(f"/api/v1/events/{event.pk}/").status_code == 204
    assert not Event.objects.exists()
