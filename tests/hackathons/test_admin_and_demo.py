from io import StringIO

import pytest

from hackathons import demo
from hackathons.models import Hackathon, Judge, Team, TeamMember

pytestmark = pytest.mark.django_db


def test_demo_seed_is_a_running_hackathon_with_two_teams_and_is_idempotent(django_user_model):
    from tests.factories import UserFactory

    users = {name: UserFactory(handle=name) for name in ["admin", "alice", "bob", "carol"]}
    for _ in range(2):
        demo.seed(users=users, stdout=StringIO())
    hackathon = Hackathon.objects.get(slug=demo.DEMO_SLUG)
    assert hackathon.status == "running" and hackathon.organizer == users["admin"]
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Night Owls", "Terminal Velocity"]
    assert TeamMember.objects.filter(hackathon=hackathon).count() == 2
    assert list(Judge.objects.values_list("user__handle", flat=True)) == ["carol"]
    assert hackathon.criteria.count() == 3 and Hackathon.objects.count() == 1


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-12345-long", handle="boss"
    )
    client.force_login(admin)
    return client


def test_admin_pages(staff_client, field):
    field.submit(field.alpha)
    for path in ["hackathon", "team", "joinrequest", "submission", "score"]:
        assert staff_client.get(f"/admin/hackathons/{path}/").status_code == 200, path
    assert staff_client.get(f"/admin/hackathons/hackathon/{field.hackathon.pk}/change/").status_code == 200
    page = staff_client.get(f"/admin/hackathons/team/{field.alpha.pk}/change/")
    assert page.status_code == 200 and field.member.handle.encode() in page.content
    assert staff_client.get("/admin/projects/projectjoinrequest/").status_code == 200
