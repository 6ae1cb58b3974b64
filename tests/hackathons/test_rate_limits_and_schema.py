"""The hackathon and join-request writes are rate limited (api/throttling.py) and their errors documented."""

import pytest

from hackathons.models import JoinRequest

pytestmark = pytest.mark.django_db


def test_team_writes_are_rate_limited_per_user(settings, field):
    settings.RATELIMIT_WRITES = "2/m"
    client = field.client("leader")
    codes = [client.patch(field.team_url(field.alpha), {"description": f"v{n}"}, format="json") for n in range(3)]
    assert [r.status_code for r in codes] == [200, 200, 429]
    assert codes[-1]["Retry-After"] and codes[-1].json()["retry_after"] >= 1
    # Asking to join is another scope with its own budget; the third ask is refused before any write.
    outsider = field.client("outsider")
    assert outsider.post(field.team_url(field.alpha, "join/"), {}, format="json").status_code == 201
    assert outsider.post(field.team_url(field.beta, "join/"), {}, format="json").status_code == 201
    JoinRequest.objects.filter(user=field.outsider).update(status="declined")
    assert outsider.post(field.team_url(field.alpha, "join/"), {}, format="json").status_code == 429
    assert JoinRequest.objects.filter(user=field.outsider).count() == 2


def test_project_join_requests_are_rate_limited(settings, make_client):
    from tests.factories import ProjectFactory, UserFactory

    settings.RATELIMIT_WRITES = "1/m"
    projects = [ProjectFactory(), ProjectFactory()]
    client = make_client(UserFactory())
    first = client.post(f"/api/v1/projects/{projects[0].pk}/join-requests/", {"message": "hi"}, format="json")
    second = client.post(f"/api/v1/projects/{projects[1].pk}/join-requests/", {"message": "hi"}, format="json")
    assert (first.status_code, second.status_code) == (201, 429)


@pytest.mark.parametrize(
    "path,method,statuses",
    [
        ("/api/v1/hackathons/{hackathon_pk}/teams/{id}/join/", "post", {"400", "401", "403", "404", "429"}),
        ("/api/v1/hackathons/{hackathon_pk}/teams/{team_pk}/requests/{id}/accept/", "post", {"401", "403", "404"}),
        ("/api/v1/hackathons/{hackathon_pk}/submissions/{id}/scores/", "put", {"400", "403", "404", "429"}),
        ("/api/v1/hackathons/{id}/leaderboard/", "get", {"403", "404"}),
        ("/api/v1/projects/{project_pk}/join-requests/", "post", {"400", "401", "404", "429"}),
    ],
)
def test_error_answers_are_in_the_schema(anon_client, path, method, statuses):
    schema = anon_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    matching = [p for p in paths if p.replace("hackathon_pk", "id") == path.replace("hackathon_pk", "id")]
    assert matching, sorted(p for p in paths if "hackathon" in p)
    responses = paths[matching[0]][method]["responses"]
    assert statuses <= set(responses), sorted(responses)


@pytest.mark.parametrize(
    "who,method,build",
    [
        ("outsider", "post", lambda f: (f.url("teams/"), {"name": "Gamma"})),
        ("outsider", "post", lambda f: (f.team_url(f.alpha, "join/"), {"message": "hi"})),
        ("leader", "patch", lambda f: (f.team_url(f.alpha), {"description": "x"})),
        ("leader", "put", lambda f: (f.team_url(f.alpha, "submission/"), {"title": "T"})),
        ("organizer", "patch", lambda f: (f.url(), {"description": "x"})),
    ],
)
def test_mandatory_email_verification_covers_hackathon_content(settings, field, who, method, build):
    from hackathons.models import Submission, Team

    settings.EMAIL_VERIFICATION = "mandatory"
    type(field.leader).objects.filter(pk=getattr(field, who).pk).update(email_verified=False)
    url, body = build(field)
    before = (Team.objects.count(), JoinRequest.objects.count(), Submission.objects.count())
    response = getattr(field.client(who), method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "email_unverified"
    assert (Team.objects.count(), JoinRequest.objects.count(), Submission.objects.count()) == before
