import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects import signals
from projects.models import ProjectMember
from tests.factories import ProjectMemberFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_members_list_for_anyone_who_sees_the_project(team, private_team, django_assert_num_queries):
    response = team.client("anon").get(team.url("members/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [m["role"] for m in body["results"]] == ["owner", "maintainer", "developer", "viewer"]
    assert "email" not in str(body)
    assert private_team.client("outsider").get(private_team.url("members/")).status_code == 404
    client = team.client("viewer")
    with CaptureQueriesContext(connection) as few:
        client.get(team.url("members/"))
    for _ in range(5):
        ProjectMemberFactory(project=team.project)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(team.url("members/")).json()["count"] == 9


@pytest.mark.parametrize(
    "who, role, code",
    [
        ("owner", "maintainer", 201),
        ("owner", "developer", 201),
        ("maintainer", "developer", 201),
        ("maintainer", "viewer", 201),
        ("maintainer", "maintainer", 403),  # only the owner grants maintainer
        ("developer", "viewer", 403),
        ("viewer", "viewer", 403),
        ("outsider", "viewer", 403),
        ("anon", "viewer", 401),
    ],
)
def test_add_member_permissions(team, captured, django_capture_on_commit_callbacks, who, role, code):
    newcomer = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = team.client(who).post(team.url("members/"), {"user": newcomer.pk, "role": role})
    assert response.status_code == code, response.json()
    added = ProjectMember.objects.filter(project=team.project, user=newcomer)
    if code == 201:
        assert response.json()["user"]["id"] == newcomer.pk and response.json()["role"] == role
        assert added.get().role == role
        assert captured == [
            (
                signals.member_added,
                {"project": team.project, "user": newcomer, "role": role, "added_by": getattr(team, who)},
            )
        ]
    else:
        assert not added.exists() and captured == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({"user": 10**30, "role": "viewer"}, "user"),
        ({"user": "x", "role": "viewer"}, "user"),
        ({"user": 999999, "role": "viewer"}, "user"),
        ({"role": "viewer"}, "user"),
        ({"user": 1, "role": "owner"}, "role"),
        ({"user": 1, "role": "boss"}, "role"),
    ],
)
def test_add_member_bad_input(team, body, field):
    before = ProjectMember.objects.count()
    response = team.client("owner").post(team.url("members/"), body)
    assert response.status_code == 400 and field in response.json()
    assert ProjectMember.objects.count() == before


def test_add_existing_member_is_400(team):
    response = team.client("owner").post(team.url("members/"), {"user": team.viewer.pk, "role": "developer"})
    assert response.status_code == 400 and "user" in response.json()


def test_private_project_members_hidden_from_outsiders(private_team):
    response = private_team.client("outsider").post(
        private_team.url("members/"), {"user": private_team.outsider.pk, "role": "viewer"}
    )
    assert response.status_code == 404
    member_url = private_team.url(f"members/{private_team.viewer.pk}/")
    assert private_team.client("outsider").patch(member_url, {"role": "developer"}).status_code == 404


@pytest.mark.parametrize(
    "who, target, role, code",
    [
        ("owner", "developer", "maintainer", 200),
        ("maintainer", "viewer", "developer", 200),
        ("maintainer", "developer", "maintainer", 403),
        ("maintainer", "maintainer", "viewer", 403),  # demoting another maintainer is the owner's call
        ("developer", "viewer", "developer", 403),
        ("owner", "owner", "viewer", 400),
        ("owner", "viewer", "owner", 400),
        ("outsider", "viewer", "developer", 403),
    ],
)
def test_change_role(team, who, target, role, code):
    target_user = getattr(team, target)
    response = team.client(who).patch(team.url(f"members/{target_user.pk}/"), {"role": role})
    assert response.status_code == code, response.json()
    stored = ProjectMember.objects.get(project=team.project, user=target_user).role
    assert (stored == role) is (code == 200)


def test_change_role_of_non_member_is_404(team):
    assert team.client("owner").patch(team.url(f"members/{team.outsider.pk}/"), {"role": "viewer"}).status_code == 404
    assert team.client("owner").patch(team.url(f"members/{10**30}/"), {"role": "viewer"}).status_code == 404


@pytest.mark.parametrize(
    "who, target, code",
    [
        ("owner", "maintainer", 204),
        ("maintainer", "developer", 204),
        ("maintainer", "maintainer", 204),  # leaving yourself is always allowed
        ("viewer", "viewer", 204),
        ("developer", "viewer", 403),
        ("maintainer", "owner", 400),
        ("owner", "owner", 400),
        ("anon", "viewer", 401),
    ],
)
def test_remove_member(team, who, target, code):
    target_user = getattr(team, target)
    task = TaskFactory(project=team.project, assignee=target_user)
    response = team.client(who).delete(team.url(f"members/{target_user.pk}/"))
    assert response.status_code == code
    still_member = ProjectMember.objects.filter(project=team.project, user=target_user).exists()
    assert still_member is (code != 204)
    task.refresh_from_db()
    # A former member keeps no assignments in the project.
    assert (task.assignee_id is None) is (code == 204)
