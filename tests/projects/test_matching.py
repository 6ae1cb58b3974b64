import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import ProjectRole
from tests.factories import ProjectFactory, ProjectMemberFactory, UserFactory
from users.models import Skill, UserSkill

pytestmark = pytest.mark.django_db


def skills(*names):
    return [Skill.objects.get_or_create(name=name)[0] for name in names]


def give(user, **levels):
    for name, level in levels.items():
        UserSkill.objects.create(user=user, skill=skills(name)[0], proficiency=level)
    return user


def looking(**levels):
    user = UserFactory(looking_to_collaborate=True)
    return give(user, **levels)


def test_candidates_ranked_by_coverage_and_proficiency(team):
    team.project.required_skills.set(skills("python", "django"))
    expert_both = looking(python="expert", django="expert")  # (4+4)/8 = 1.0
    strong_one = looking(python="advanced", rust="expert")  # 3/8 = 0.375
    beginner_both = looking(python="beginner", django="beginner")  # 2/8 = 0.25
    nothing = looking(go="expert")  # 0
    give(UserFactory(looking_to_collaborate=False), python="expert")  # not looking: not listed
    give(team.developer, python="expert")  # already a member: not listed
    team.developer.looking_to_collaborate = True
    team.developer.save(update_fields=["looking_to_collaborate"])

    response = team.client("anon").get(team.url("candidates/"))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["match_score"]) for r in results] == [
        (expert_both.pk, 1.0),
        (strong_one.pk, 0.375),
        (beginner_both.pk, 0.25),
        (nothing.pk, 0.0),
    ]
    assert results[1]["skills"] == [
        {"skill": "python", "proficiency": "advanced"},
        {"skill": "rust", "proficiency": "expert"},
    ]
    assert "email" not in str(results)


def test_candidates_of_project_without_required_skills_all_score_zero(team):
    looking(python="expert")
    results = team.client("owner").get(team.url("candidates/")).json()["results"]
    assert [r["match_score"] for r in results] == [0.0]


def test_candidates_of_private_project_are_404_to_outsiders(private_team):
    looking(python="expert")
    assert private_team.client("outsider").get(private_team.url("candidates/")).status_code == 404
    assert private_team.client("anon").get(private_team.url("candidates/")).status_code == 404
    assert private_team.client("viewer").get(private_team.url("candidates/")).status_code == 200


def test_candidates_query_count_is_fixed(team, django_assert_num_queries):
    team.project.required_skills.set(skills("python", "go"))
    looking(python="expert")
    client = team.client("owner")
    with CaptureQueriesContext(connection) as one:
        client.get(team.url("candidates/"))
    for _ in range(6):
        looking(python="beginner", go="advanced", sql="expert")
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(team.url("candidates/")).json()["count"] == 7


def test_my_matches(make_client):
    me = give(UserFactory(), python="expert", react="intermediate")
    python, react, go = skills("python", "react", "go")
    best = ProjectFactory(looking_for_members=True)
    best.required_skills.set([python])  # 4/4 = 1.0
    half = ProjectFactory(looking_for_members=True)
    half.required_skills.set([react, go])  # 2/8 = 0.25
    none = ProjectFactory(looking_for_members=True)
    none.required_skills.set([go])  # 0
    # Never offered: private (even if it fits), not looking, archived, and projects I am already in.
    ProjectFactory(looking_for_members=True, visibility="private").required_skills.set([python])
    ProjectFactory(looking_for_members=False).required_skills.set([python])
    ProjectFactory(looking_for_members=True, status="archived").required_skills.set([python])
    joined = ProjectFactory(looking_for_members=True)
    joined.required_skills.set([python])
    ProjectMemberFactory(project=joined, user=me, role=ProjectRole.VIEWER)

    response = make_client(me).get("/api/v1/users/me/matches/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["id"], r["match_score"]) for r in results] == [(best.pk, 1.0), (half.pk, 0.25), (none.pk, 0.0)]
    assert results[0]["required_skills"] == ["python"] and results[0]["my_role"] is None


def test_matches_need_login(anon_client):
    assert anon_client.get("/api/v1/users/me/matches/").status_code == 401


def test_matches_query_count_is_fixed(make_client, django_assert_num_queries):
    me = give(UserFactory(), python="expert")
    python, go = skills("python", "go")
    ProjectFactory(looking_for_members=True).required_skills.set([python])
    client = make_client(me)
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/users/me/matches/")
    for _ in range(6):
        project = ProjectFactory(looking_for_members=True)
        project.required_skills.set([python, go])
        ProjectMemberFactory(project=project)
    with django_assert_num_queries(len(one.captured_queries)):
        results = client.get("/api/v1/users/me/matches/").json()["results"]
    assert [r["match_score"] for r in results] == [1.0] + [0.5] * 6
    assert all(r["member_count"] in (1, 2) for r in results)
