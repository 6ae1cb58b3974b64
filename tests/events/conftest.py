from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from tests.factories import UserFactory


def in_hours(hours: float):
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def make_event(*, creator, room=None, slots=(24, 48, 72), title="Meetup", **fields):
    """A draft event through the service, with slots the given numbers of hours from now."""
    return services.event_create(
        creator=creator, title=title, room=room, slot_times=[in_hours(h) for h in slots], **fields
    )


def slot_ids(event) -> list[int]:
    return list(event.slots.order_by("starts_at").values_list("id", flat=True))


@pytest.fixture
def creator(db):
    return UserFactory(handle="cleo")


@pytest.fixture
def owner(creator):
    """The shared room cast (tests/room_cast.py) is built around `owner`: here the event's creator."""
    return creator


@pytest.fixture
def event(creator):
    """A standalone draft event with three slots (in 24, 48 and 72 hours)."""
    return make_event(creator=creator)


@pytest.fixture
def room_event(creator, room):
    return make_event(creator=creator, room=room, title="Room meetup")


@pytest.fixture
def private_event(creator, private_room):
    return make_event(creator=creator, room=private_room, title="Secret meetup")


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """`with on_commit(): ...` runs what services defer to after commit (signals, live frames)."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
