import pytest

from projects import signals
from projects.crypto import decrypt_secret
from projects.models import Project, ProjectMember, ProjectRole
from tests.factories import ProjectFactory, ProjectMemberFactory, RoomFactory, TaskFactory, UserFactory
from users.models import Skill

pytestmark = pytest.mark.django_db

ROLES = ["owner", "maintainer", "developer", "viewer"]


def test_create_project_makes_me_owner(make_client, user, captured, django_capture_on_commit_callbacks):
    room = RoomFactory(creator=user)
    body = {
        "name": "Code Nest CLI",
        "description": "A command line client.",
        "room": room.pk,
        "repo_url": "https://github.com/octo/cli",
        "visibility": "private",
        "required_skills": ["Python", " Django ", "python"],
        "looking_for_members": True,
        "github_token": "ghp_secret_token_value",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(user).post("/api/v1/projects/", body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["name"] == "Code Nest CLI" and data["slug"] == "code-nest-cli"
    assert data["owner"] == {"id": user.pk, "handle": user.handle, "name": user.name, "avatar": ""}
    assert data["room"] == room.pk and data["visibility"] == "private" and data["status"] == "active"
    assert data["required_skills"] == ["django", "python"]
    assert data["my_role"] == "owner" and data["member_count"] == 1
    assert data["github"]["sync_status"] == "never" and data["github"]["full_name"] == ""
    assert data["members"][0]["user"]["id"] == user.pk and data["members"][0]["role"] == "owner"
    assert data["task_counts"] == {"todo": 0, "in_progress": 0, "review": 0, "done": 0}
    assert data["webhook_url"].endswith(f"/api/v1/projects/{data['id']}/github/webhook/")
    assert len(data["webhook_secret"]) == 64
    # The token never comes back, and is not stored in plain text.
    assert "github_token" not in data and data["has_github_token"] is True
    assert "ghp_secret_token_value" not in response.content.decode()
    project = Project.objects.get(pk=data["id"])
    assert "ghp_secret" not in project.github_token_encrypted
    assert decrypt_secret(project.github_token_encrypted) == "ghp_secret_token_value"
    assert ProjectMember.objects.get(project=project).role == ProjectRole.OWNER
    assert captured == [(signals.project_created, {"project": project, "owner": user})]


def test_slugs_stay_unique(auth_client):
    first = auth_client.post("/api/v1/projects/", {"name": "Same"}).json()
    second = auth_client.post("/api/v1/projects/", {"name": "Same"}).json()
    assert (first["slug"], second["slug"]) == ("same", "same-2")


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": "ok", "visibility": "secret"}, "visibility"),
        ({"name": "ok", "repo_url": "https://gitlab.com/a/b"}, "repo_url"),
        ({"name": "ok", "repo_url": "not a url"}, "repo_url"),
        ({"name": "ok", "room": 10**30}, "room"),
        ({"name": "ok", "room": "abc"}, "room"),
        ({"name": "ok", "required_skills": "python"}, "required_skills"),
        ({"name": "ok", "required_skills": [""]}, "required_skills"),
        ({"name": "ok", "looking_for_members": "maybe"}, "looking_for_members"),
    ],
)
def test_create_rejects_bad_input(auth_client, body, field):
    response = auth_client.post("/api/v1/projects/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Project.objects.exists()


def test_create_rejects_a_private_room_i_cannot_see(auth_client):
    hidden = RoomFactory(is_public=False)
    response = auth_client.post("/api/v1/projects/", {"name": "x", "room": hidden.pk})
    assert response.status_code == 400 and "room" in response.json()
    assert not Project.objects.exists()


def test_create_rejects_malformed_json(auth_client):
    response = auth_client.post("/api/v1/projects/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Project.objects.exists()


def test_anonymous_cannot_create(anon_client):
    assert anon_client.post("/api/v1/projects/", {"name": "x"}).status_code == 401


def test_list_shows_public_and_mine_never_others_private(make_client):
    me = UserFactory()
    public = ProjectFactory()
    mine_private = ProjectFactory(owner=me, visibility="private")
    member_private = ProjectMemberFactory(user=me, project=ProjectFactory(visibility="private")).project
    ProjectFactory(visibility="private")  # someone else's
    ids = [p["id"] for p in make_client(me).get("/api/v1/projects/").json()["results"]]
    assert ids == [member_private.pk, mine_private.pk, public.pk]
    anon_ids = [p["id"] for p in make_client(None).get("/api/v1/projects/").json()["results"]]
    assert anon_ids == [public.pk]


def test_list_filters(anon_client):
    python = Skill.objects.create(name="python")
    match = ProjectFactory(name="Blog engine", looking_for_members=True, status="active")
    match.required_skills.add(python)
    ProjectFactory(name="Blog archive", status="archived")
    ProjectFactory(name="Other", looking_for_members=True)

    def ids(query):
        response = anon_client.get(f"/api/v1/projects/?{query}")
        assert response.status_code == 200
        return [p["id"] for p in response.json()["results"]]

    assert ids("skill=Python") == [match.pk]
    assert ids("search=blog&status=active") == [match.pk]
    assert len(ids("looking_for_members=true")) == 2
    assert len(ids("looking_for_members=false")) == 1
    assert anon_client.get("/api/v1/projects/?status=bogus").status_code == 400


def test_list_query_count_is_fixed(make_client, django_assert_num_queries):
    me = UserFactory()
    client = make_client(me)
    ProjectFactory(owner=me).required_skills.add(Skill.objects.create(name="go"))

    with django_assert_num_queries(4) as first:  # user, count, page, skills prefetch
        client.get("/api/v1/projects/")
    for _ in range(8):
        project = ProjectFactory()
        project.required_skills.add(Skill.objects.get(name="go"))
        ProjectMemberFactory(project=project)
    with django_assert_num_queries(len(first.captured_queries)):
        response = client.get("/api/v1/projects/")
    assert response.json()["count"] == 9
    assert {p["member_count"] for p in response.json()["results"]} == {1, 2}


def test_detail_of_private_project_is_404_for_outsiders(private_team):
    for who in ["outsider", "anon"]:
        response = private_team.client(who).get(private_team.url())
        assert response.status_code == 404
        assert response.json() == {"detail": "No such project."}
    for who in ROLES:
        assert private_team.client(who).get(private_team.url()).status_code == 200


@pytest.mark.parametrize("who, sees_secret", [(r, r in ("owner", "maintainer")) for r in ROLES] + [("outsider", False)])
def test_detail_webhook_fields_only_for_owner_and_maintainers(team, who, sees_secret):
    TaskFactory(project=team.project, status="done")
    TaskFactory(project=team.project)
    data = team.client(who).get(team.url()).json()
    assert data["task_counts"] == {"todo": 1, "in_progress": 0, "review": 0, "done": 1}
    assert len(data["members"]) == 4
    assert "email" not in str(data["members"])
    assert data["my_role"] == (who if who in ROLES else None)
    if sees_secret:
        assert data["webhook_secret"] == team.project.webhook_secret and data["webhook_url"]
    else:
        assert data["webhook_secret"] is None and data["webhook_url"] is None


def test_detail_unknown_and_huge_ids(auth_client):
    assert auth_client.get("/api/v1/projects/999999/").status_code == 404
    assert auth_client.get(f"/api/v1/projects/{10**30}/").status_code == 404
    assert auth_client.get("/api/v1/projects/abc/").status_code == 404


@pytest.mark.parametrize("who, code", [("owner", 200), ("maintainer", 200), ("developer", 403), ("viewer", 403),
                                       ("outsider", 403), ("anon", 401)])  # fmt: skip
def test_update_permissions(team, who, code):
    response = team.client(who).patch(team.url(), {"description": "New words", "looking_for_members": True})
    assert response.status_code == code
    team.project.refresh_from_db()
    assert (team.project.description == "New words") is (code == 200)


def test_update_fields_and_token(team):
    client = team.client("owner")
    room = RoomFactory()
    response = client.patch(
        team.url(),
        {"name": "Renamed", "room": room.pk, "required_skills": ["rust"], "status": "completed", "github_token": "t1"},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["name"], data["slug"], data["room"], data["status"]) == ("Renamed", "renamed", room.pk, "completed")
    assert data["required_skills"] == ["rust"] and data["has_github_token"] is True
    assert client.patch(team.url(), {"github_token": ""}).json()["has_github_token"] is False
    assert client.patch(team.url(), {"room": None}).json()["room"] is None
    assert client.patch(team.url(), {"name": ""}).status_code == 400
    assert client.patch(team.url(), {"visibility": 5}).status_code == 400


def test_private_project_update_by_outsider_is_404(private_team):
    assert private_team.client("outsider").patch(private_team.url(), {"name": "x"}).status_code == 404
    assert private_team.client("outsider").delete(private_team.url()).status_code == 404


@pytest.mark.parametrize("who, code", [("maintainer", 403), ("developer", 403), ("viewer", 403), ("outsider", 403),
                                       ("anon", 401), ("owner", 204)])  # fmt: skip
def test_delete_only_by_owner(team, who, code):
    assert team.client(who).delete(team.url()).status_code == code
    assert Project.objects.filter(pk=team.project.pk).exists() is (code != 204)


def test_put_is_not_offered(team):
    assert team.client("owner").put(team.url(), {"name": "x"}).status_code == 405
