from io import StringIO

import pytest

from projects import demo
from projects.models import Project, ProjectMember, Task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent():
    users = {name: UserFactory(handle=name) for name in ["admin", "alice", "bob", "carol"]}
    for _ in range(2):
        demo.seed(users=users, stdout=StringIO())
    public = Project.objects.get(slug=demo.DEMO_SLUG)
    assert public.owner == users["alice"] and public.looking_for_members
    assert Task.objects.filter(project=public).count() == 6  # 4 seeded, 1 by /task, 1 from a message
    assert public.room is not None and public.room.messages.filter(kind="system").count() == 2
    assert Task.objects.get(project=public, number=6).source_message.content.startswith("Could `cn board`")
    assert ProjectMember.objects.filter(project=public).count() == 3
    assert Project.objects.get(slug=demo.PRIVATE_SLUG).visibility == "private"
    assert Project.objects.count() == 2
