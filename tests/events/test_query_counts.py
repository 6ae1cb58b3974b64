"""Counts and voters of every slot cost a fixed number of queries, whatever their number."""

import pytest

from events import services
from events.models import Vote
from tests.conftest import client_for
from tests.events.conftest import make_event, slot_ids
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def populate(*, creator, room, events: int, slots: int, voters: int):
    users = UserFactory.create_batch(voters)
    for user in users:
        MembershipFactory(room=room, user=user)
    made = []
    for n in range(events):
        event = make_event(creator=creator, room=room if n % 2 else None, slots=[10 + h for h in range(slots)])
        # Stored directly: the votes' number is the point here, not the write path (tested elsewhere).
        Vote.objects.bulk_create(
            Vote(slot_id=slot_id, user=user, answer="yes" if (index + user.pk) % 2 else "maybe")
            for index, slot_id in enumerate(slot_ids(event))
            for user in users
        )
        services.event_task_create(event=event, actor=creator, title="Prepare", assigned_to_id=users[0].pk)
        made.append(event)
    return made, users


def count_list_queries(django_assert_max_num_queries, client, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get("/api/v1/events/?page_size=100")
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_event_list_queries_do_not_grow(creator, room, django_assert_max_num_queries):
    client = client_for(creator)
    populate(creator=creator, room=room, events=2, slots=2, voters=2)
    small, body = count_list_queries(django_assert_max_num_queries, client, 12)
    assert body["count"] == 2
    populate(creator=creator, room=room, events=6, slots=8, voters=7)
    large, body = count_list_queries(django_assert_max_num_queries, client, small)
    assert body["count"] == 8
    assert large == small
    print(f"event list: {small} queries for 2 events and for 8 (up to 8 slots x 7 voters each)")
    biggest = max(body["results"], key=lambda e: len(e["slots"]))
    assert len(biggest["slots"]) == 8
    assert all(s["yes"] + s["maybe"] == 7 and len(s["voters"]) == 7 for s in biggest["slots"])
    assert biggest["participant_count"] == 7


def test_event_detail_queries_do_not_grow(creator, room, django_assert_max_num_queries):
    (small_event,), _ = populate(creator=creator, room=room, events=1, slots=1, voters=1)
    (large_event,), users = populate(creator=creator, room=room, events=1, slots=30, voters=12)
    client = client_for(users[0])
    with django_assert_max_num_queries(12) as small:
        assert client.get(f"/api/v1/events/{small_event.pk}/").status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = client.get(f"/api/v1/events/{large_event.pk}/").json()
    assert len(body["slots"]) == 30 and len(body["my_votes"]) == 30


def test_vote_write_queries_do_not_grow_with_voters(creator, room, django_assert_max_num_queries):
    (small_event,), _ = populate(creator=creator, room=room, events=1, slots=2, voters=1)
    (large_event,), _ = populate(creator=creator, room=room, events=1, slots=20, voters=10)
    voter = UserFactory()
    client = client_for(voter)

    def put(event):
        return client.put(f"/api/v1/events/{event.pk}/slots/{slot_ids(event)[0]}/vote/", {"answer": "yes"})

    with django_assert_max_num_queries(40) as small:
        assert put(small_event).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert put(large_event).status_code == 200
