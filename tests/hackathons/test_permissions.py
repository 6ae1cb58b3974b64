"""Who may do what, endpoint by endpoint: organizer / judge / leader / member / rival leader / outsider / anon.

Each case runs on a fresh field in the phase where the action makes sense; a refused write changes nothing.
"""

import pytest

from hackathons.models import Hackathon, JoinRequest, Judge, Score, Submission, Team, TeamMember
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WHO = ["organizer", "judge", "leader", "member", "rival", "outsider", "anon"]


def everyone(code):
    return dict.fromkeys(WHO, code)


def only(allowed: dict, others=403, anon=401):
    expected = dict.fromkeys(WHO, others)
    expected["anon"] = anon
    expected.update(allowed)
    return expected


def state():
    """Everything a write could touch, to prove refused writes leave no trace."""
    return (
        list(Hackathon.objects.values_list("id", "name", "description", "results_published_at")),
        list(Judge.objects.values_list("id", "user_id")),
        list(Team.objects.values_list("id", "name", "description", "leader_id")),
        list(TeamMember.objects.values_list("id", "user_id", "left_at", "role")),
        list(JoinRequest.objects.values_list("id", "status")),
        list(Submission.objects.values_list("id", "title")),
        list(Score.objects.values_list("id", "value")),
    )


def pending_request(field):
    """A pending request of a fresh user to join alpha (its id goes in the URL)."""
    return JoinRequest.objects.create(team=field.alpha, user=UserFactory(), message="let me in").pk


# name: (phase, setup(field) -> (method, url, body), expected status per role)
CASES = {
    "list hackathons": ("running", lambda f: ("get", "/api/v1/hackathons/", None), everyone(200)),
    "create hackathon": (
        "running",
        lambda f: (
            "post",
            "/api/v1/hackathons/",
            {
                "name": "Another",
                "starts_at": "2030-01-01T10:00:00Z",
                "submission_deadline": "2030-01-02T10:00:00Z",
                "ends_at": "2030-01-03T10:00:00Z",
            },
        ),
        only({}, others=201),
    ),
    "read hackathon": ("running", lambda f: ("get", f.url(), None), everyone(200)),
    "edit hackathon": ("running", lambda f: ("patch", f.url(), {"description": "New."}), only({"organizer": 200})),
    "list judges": ("running", lambda f: ("get", f.url("judges/"), None), everyone(200)),
    "add judge": (
        "running",
        lambda f: ("post", f.url("judges/"), {"user": UserFactory().pk}),
        only({"organizer": 201}),
    ),
    "remove judge": ("running", lambda f: ("delete", f.url("judges/"), {"user": f.judge.pk}), only({"organizer": 204})),
    "list teams": ("running", lambda f: ("get", f.url("teams/"), None), everyone(200)),
    # The organizer and judges may not compete; leaders and members are on a team already.
    "create team": ("running", lambda f: ("post", f.url("teams/"), {"name": "Gamma"}), only({"outsider": 201}, 400)),
    "read team": ("running", lambda f: ("get", f.team_url(f.alpha), None), everyone(200)),
    "edit team": ("running", lambda f: ("patch", f.team_url(f.alpha), {"description": "Us."}), only({"leader": 200})),
    "delete team": (
        "running",
        lambda f: ("delete", f.team_url(f.alpha), None),
        only({"leader": 204, "organizer": 204}),
    ),
    "ask to join": (
        "running",
        lambda f: ("post", f.team_url(f.alpha, "join/"), {"message": "Hi"}),
        only({"outsider": 201}, 400),
    ),
    "list join requests": ("running", lambda f: ("get", f.team_url(f.alpha, "requests/"), None), only({"leader": 200})),
    "accept request": (
        "running",
        lambda f: ("post", f.team_url(f.alpha, f"requests/{pending_request(f)}/accept/"), None),
        only({"leader": 200}),
    ),
    "decline request": (
        "running",
        lambda f: ("post", f.team_url(f.alpha, f"requests/{pending_request(f)}/decline/"), None),
        only({"leader": 200}),
    ),
    # Only members leave; the leader of a team with members must hand over first.
    "leave team": ("running", lambda f: ("post", f.team_url(f.alpha, "leave/"), {}), only({"member": 204}, 400)),
    "candidates": ("running", lambda f: ("get", f.url("candidates/"), None), everyone(200)),
    "submit": (
        "running",
        lambda f: ("put", f.team_url(f.alpha, "submission/"), {"title": "Thing", "repo_url": "https://x.dev/r"}),
        only({"leader": 200}),  # replaces the submission made in the test's setup
    ),
    "submissions while running": (
        "running",
        lambda f: ("get", f.url("submissions/"), None),
        only({"organizer": 200}, anon=403),
    ),
    "submissions while judging": (
        "judging",
        lambda f: ("get", f.url("submissions/"), None),
        only({"organizer": 200, "judge": 200}, anon=403),
    ),
    "score": (
        "judging",
        lambda f: ("put", f.url(f"submissions/{f.alpha.submission.pk}/scores/"), {str(f.criteria[0].pk): 7}),
        only({"judge": 200}),
    ),
    "publish": ("judging", lambda f: ("post", f.url("publish/"), None), only({"organizer": 200})),
    "leaderboard while judging": (
        "judging",
        lambda f: ("get", f.url("leaderboard/"), None),
        only({"organizer": 200, "judge": 200}, anon=403),
    ),
}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("case", list(CASES))
def test_permission_matrix(field, case, who):
    phase, build, expected = CASES[case]
    field.submit(field.alpha)  # while running: judges have something to score later
    method, url, body = build(field)
    with field.at(phase):
        client = field.client(who)
        before = state()
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == expected[who], (case, who, response.content)
        if response.status_code >= 400:
            assert state() == before, "a refused request changed something"
            assert "detail" in response.json() or response.status_code == 400


@pytest.mark.parametrize("who", WHO)
def test_after_publishing_results_and_submissions_are_public(field, who):
    field.submit(field.alpha)
    with field.at("judging"):
        field.publish()
        client = field.client(who)
        assert client.get(field.url("leaderboard/")).status_code == 200
        assert client.get(field.url("submissions/")).status_code == 200
        assert client.get(field.url()).json()["status"] == "ended"
