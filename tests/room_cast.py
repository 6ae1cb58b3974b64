"""The usual cast of a room test: an owner's public and private room, a member, a moderator, an outsider.

Shared by every test folder through `pytest_plugins` in tests/conftest.py; a folder that builds its room
around someone else overrides `owner` (events: the event's creator).
"""

import pytest

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
