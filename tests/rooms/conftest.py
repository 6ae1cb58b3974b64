import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms.models import Role
from tests.factories import MembershipFactory, RoomFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(handle="olivia")


@pytest.fixture
def room(owner):
    return RoomFactory(creator=owner, name="Python", slug="python")


@pytest.fixture
def private_room(owner):
    return RoomFactory(creator=owner, name="Secret", slug="secret", is_public=False)


@pytest.fixture
def member(room):
    return MembershipFactory(room=room, user=UserFactory(handle="mia")).user


@pytest.fixture
def moderator(room):
    return MembershipFactory(room=room, user=UserFactory(handle="mods"), role=Role.MODERATOR).user


@pytest.fixture
def outsider(db):
    return UserFactory(handle="otto")


@pytest.fixture
def captured_events(monkeypatch):
    """Real-time events sent after commit, recorded in order (the channel layer still gets them)."""
    from codenest import realtime

    events = []
    original = realtime.send_event

    def record(group, event):
        events.append((group, event))
        original(group, event)

    monkeypatch.setattr(realtime, "send_event", record)
    return events


@pytest.fixture
def count_queries():
    def run(func):
        with CaptureQueriesContext(connection) as ctx:
            result = func()
        return len(ctx.captured_queries), result

    return run
