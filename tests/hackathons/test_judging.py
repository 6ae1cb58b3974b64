"""Submissions, scores, publishing, the leaderboard (hand-computed), hackathon_result and hackathon_winner."""

import pytest

from gamification.models import UserBadge
from hackathons import services
from hackathons.models import Score, Submission, Team, TeamMember
from notifications.models import Notification
from tests.factories import ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db


def put_submission(field, who="leader", team=None, **body):
    body.setdefault("title", "Rocket CLI")
    return field.client(who).put(field.team_url(team or field.alpha, "submission/"), body, format="json")


def put_scores(field, submission, scores, who="judge"):
    """`scores`: {Criterion: value}, or any raw JSON body."""
    if isinstance(scores, dict) and all(hasattr(key, "pk") for key in scores):
        scores = {str(criterion.pk): value for criterion, value in scores.items()}
    return field.client(who).put(field.url(f"submissions/{submission.pk}/scores/"), scores, format="json")


class TestSubmission:
    def test_leader_submits_and_replaces(self, field):
        project = ProjectFactory(owner=field.leader)
        response = put_submission(
            field,
            project=project.pk,
            description="A rocket.",
            repo_url="https://github.com/a/rocket",
            demo_url="https://rocket.dev",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["team"], body["project"], body["title"], body["repo_url"]) == (
            {"id": field.alpha.pk, "name": "Alpha"},
            project.pk,
            "Rocket CLI",
            "https://github.com/a/rocket",
        )
        again = put_submission(field, title="Rocket CLI 2")
        assert again.status_code == 200
        assert again.json()["id"] == body["id"] and again.json()["project"] is None
        assert Submission.objects.get().title == "Rocket CLI 2"
        # Members see it on the team; outsiders do not until the results are out.
        assert field.client("member").get(field.team_url(field.alpha)).json()["submission"]["id"] == body["id"]
        assert field.client("outsider").get(field.team_url(field.alpha)).json()["submission"] is None
        assert field.client("outsider").get(field.team_url(field.alpha)).json()["has_submission"] is True

    def test_not_before_the_start_nor_after_the_deadline(self, field):
        with field.at("upcoming"):
            early = put_submission(field)
        assert early.status_code == 400 and "start" in str(early.json())
        with field.at("judging"):
            late = put_submission(field)
        assert late.status_code == 400 and "deadline" in str(late.json())
        assert not Submission.objects.exists()

    def test_a_member_may_not_submit(self, field):
        assert put_submission(field, who="member").status_code == 403

    def test_project_must_be_the_leaders(self, field):
        response = put_submission(field, project=ProjectFactory().pk)
        assert response.status_code == 400 and "project" in response.json()
        assert not Submission.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"title": ""},
            {"title": "x" * 201},
            {"title": "T", "repo_url": "not a url"},
            {"title": "T", "demo_url": "javascript:alert(1)"},
            {"title": "T", "project": "one"},
            {"description": "no title"},
        ],
    )
    def test_bad_input(self, field, body):
        response = field.client("leader").put(field.team_url(field.alpha, "submission/"), body, format="json")
        assert response.status_code == 400
        assert not Submission.objects.exists()

    def test_list_for_judges_with_their_scores_at_a_fixed_query_count(self, field, django_assert_max_num_queries):
        submission = field.submit(field.alpha)
        with field.at("judging"):
            put_scores(field, submission, {field.criteria[0]: 7})
            client = field.client("judge")
            with django_assert_max_num_queries(8):
                results = client.get(field.url("submissions/")).json()["results"]
            assert results[0]["my_scores"] == {str(field.criteria[0].pk): 7}
            for n in range(10):
                team = Team.objects.create(hackathon=field.hackathon, name=f"T{n}", leader=UserFactory())
                created = Submission.objects.create(hackathon=field.hackathon, team=team, title=f"S{n}")
                Score.objects.create(
                    submission=created, judge=field.hackathon.judges.get(), criterion=field.criteria[1], value=1
                )
            with django_assert_max_num_queries(8):
                assert client.get(field.url("submissions/")).json()["count"] == 11
            # The organizer sees the same list without scores of their own.
            assert field.client("organizer").get(field.url("submissions/")).json()["results"][0]["my_scores"] is None


class TestScores:
    @pytest.fixture
    def submission(self, field):
        return field.submit(field.alpha)

    def test_judge_scores_while_judging(self, field, submission):
        idea, code = field.criteria
        with field.at("judging"):
            response = put_scores(field, submission, {idea: 10})
            assert response.status_code == 200, response.content
            assert response.json() == {str(idea.pk): 10}
            response = put_scores(field, submission, {idea: 0, code: 5})
        assert response.json() == {str(idea.pk): 0, str(code.pk): 5}
        assert sorted(Score.objects.values_list("criterion_id", "value")) == [(idea.pk, 0), (code.pk, 5)]

    def test_only_while_judging(self, field, submission):
        assert put_scores(field, submission, {field.criteria[0]: 5}).status_code == 400  # still running
        with field.at("judging"):
            field.publish()
            assert put_scores(field, submission, {field.criteria[0]: 5}).status_code == 400
        assert not Score.objects.exists()

    def test_a_judge_cannot_score_a_team_they_were_on(self, field, submission):
        turncoat = UserFactory()
        field.add_member(field.alpha, turncoat)
        services.team_leave(team=field.alpha, actor=turncoat)
        services.judge_add(hackathon=field.hackathon, actor=field.organizer, user_id=turncoat.pk)
        beta_submission = field.submit(field.beta)
        with field.at("judging"):
            refused = field.client("judge").put(  # the regular judge is fine
                field.url(f"submissions/{submission.pk}/scores/"), {str(field.criteria[0].pk): 4}, format="json"
            )
            assert refused.status_code == 200
            from tests.conftest import client_for

            client = client_for(turncoat)
            url = field.url(f"submissions/{submission.pk}/scores/")
            response = client.put(url, {str(field.criteria[0].pk): 10}, format="json")
            assert response.status_code == 403
            assert "were on this team" in response.json()["detail"]
            other = client.put(
                field.url(f"submissions/{beta_submission.pk}/scores/"), {str(field.criteria[0].pk): 1}, format="json"
            )
            assert other.status_code == 200
        assert not Score.objects.filter(judge__user=turncoat, submission=submission).exists()

    @pytest.mark.parametrize(
        "make_body,key",
        [
            (lambda f: {str(f.criteria[0].pk): 11}, "idea"),  # Idea's max is 10
            (lambda f: {str(f.criteria[1].pk): 6}, "code"),  # Code's max is 5
            (lambda f: {str(f.criteria[0].pk): -1}, "idea"),
            (lambda f: {str(f.criteria[0].pk): "ten"}, "idea"),
            (lambda f: {str(f.criteria[0].pk): 2.5}, "idea"),
            (lambda f: {str(f.criteria[0].pk): None}, "idea"),
            (lambda f: {str(f.criteria[0].pk): 5, "999999": 3}, "999999"),
            (lambda f: {str(f.criteria[0].pk): 5, "abc": 3}, "abc"),
            (lambda f: {str(f.criteria[0].pk): 5, "0": 3}, "0"),
            (lambda f: {str(f.criteria[0].pk): 5, str(10**30): 3}, str(10**30)[:30]),
            (lambda f: {}, "detail"),
            (lambda f: [5, 4], "detail"),
            (lambda f: {str(n): 1 for n in range(1, 60)}, "detail"),
        ],
    )
    def test_bad_scores_are_400_and_nothing_is_stored(self, field, submission, make_body, key):
        body = make_body(field)
        key = {"idea": str(field.criteria[0].pk), "code": str(field.criteria[1].pk)}.get(key, key)
        with field.at("judging"):
            response = put_scores(field, submission, body)
        assert response.status_code == 400, response.content
        assert key in response.json()
        assert not Score.objects.exists()

    def test_criterion_of_another_hackathon(self, field, submission):
        other = services.hackathon_create(
            organizer=field.organizer,
            name="Other",
            starts_at=field.hackathon.starts_at,
            submission_deadline=field.hackathon.submission_deadline,
            ends_at=field.hackathon.ends_at,
            criteria=[{"name": "Foreign"}],
        )
        foreign = other.criteria.get()
        with field.at("judging"):
            response = put_scores(field, submission, {field.criteria[0]: 3, foreign: 3})
        assert response.status_code == 400 and str(foreign.pk) in response.json()
        assert not Score.objects.exists()

    def test_submission_of_another_hackathon_or_unknown(self, field, submission):
        with field.at("judging"):
            client = field.client("judge")
            assert client.put(f"/api/v1/hackathons/99999/submissions/{submission.pk}/scores/", {}).status_code == 404
            assert client.put(field.url("submissions/99999/scores/"), {"1": 1}, format="json").status_code == 404

    def test_malformed_json(self, field, submission):
        with field.at("judging"):
            response = field.client("judge").put(
                field.url(f"submissions/{submission.pk}/scores/"), "{oops", content_type="application/json"
            )
        assert response.status_code == 400


def build_contest(field):
    """Four teams with submissions, one without; two judges; scores chosen for hand-computable results.

    Criteria: Idea (weight 2, max 10), Code (weight 1, max 5).
      alpha: Idea 8, 10 → 9 → 2 * 0.9 = 1.8;  Code 5, 4 → 4.5 → 1 * 0.9 = 0.9;  total 2.7  → rank 1
      beta:  Idea 6, 6  → 6 → 1.2;            Code 3, 2 → 2.5 → 0.5;             total 1.7  → rank 2
      gamma: Idea 7 (one judge only) → 1.4;   Code 1, 2 → 1.5 → 0.3;             total 1.7  → rank 2
      delta: Idea 2, 3  → 2.5 → 0.5;          Code unscored → 0;                 total 0.5  → rank 4
      epsilon: no submission → not ranked
    """
    second_judge = UserFactory()
    services.judge_add(hackathon=field.hackathon, actor=field.organizer, user_id=second_judge.pk)
    teams = {"alpha": field.alpha, "beta": field.beta}
    for name in ["gamma", "delta", "epsilon"]:
        teams[name] = services.team_create(hackathon=field.hackathon, leader=UserFactory(), name=name.title())
    submissions = {name: field.submit(team) for name, team in teams.items() if name != "epsilon"}
    idea, code = field.criteria
    scores = {
        "alpha": ({idea: 8, code: 5}, {idea: 10, code: 4}),
        "beta": ({idea: 6, code: 3}, {idea: 6, code: 2}),
        "gamma": ({idea: 7, code: 1}, {code: 2}),
        "delta": ({idea: 2}, {idea: 3}),
    }
    with field.at("judging"):
        for name, (first, second) in scores.items():
            for judge, given in [(field.judge, first), (second_judge, second)]:
                services.scores_put(
                    submission=submissions[name], actor=judge, scores={c.pk: v for c, v in given.items()}
                )
    return teams


class TestLeaderboard:
    def test_hand_computed_standings_with_competition_ranking(self, field, django_assert_max_num_queries):
        teams = build_contest(field)
        with field.at("judging"):
            client = field.client("organizer")  # a preview before publishing
            with django_assert_max_num_queries(8):
                board = client.get(field.url("leaderboard/")).json()
        assert [(row["rank"], row["team"]["id"], row["score"]) for row in board] == [
            (1, teams["alpha"].pk, pytest.approx(2.7)),
            (2, teams["beta"].pk, pytest.approx(1.7)),
            (2, teams["gamma"].pk, pytest.approx(1.7)),
            (4, teams["delta"].pk, pytest.approx(0.5)),
        ]
        assert board[0]["team"] == {"id": teams["alpha"].pk, "name": "Alpha"}

    def test_query_count_does_not_grow_with_the_field(self, field, django_assert_max_num_queries):
        build_contest(field)
        with field.at("judging"):
            field.publish()
            client = field.client("anon")
            with django_assert_max_num_queries(6):
                assert len(client.get(field.url("leaderboard/")).json()) == 4
        judge = field.hackathon.judges.first()
        for n in range(12):
            team = Team.objects.create(hackathon=field.hackathon, name=f"Extra {n}", leader=UserFactory())
            submission = Submission.objects.create(hackathon=field.hackathon, team=team, title="x")
            for criterion in field.criteria:
                Score.objects.create(submission=submission, judge=judge, criterion=criterion, value=n % 5)
        with field.at("judging"), django_assert_max_num_queries(6):
            assert len(field.client("anon").get(field.url("leaderboard/")).json()) == 16

    def test_a_removed_judge_no_longer_counts(self, field):
        teams = build_contest(field)
        with field.at("judging"):
            services.judge_remove(hackathon=field.hackathon, actor=field.organizer, user_id=field.judge.pk)
            board = field.client("organizer").get(field.url("leaderboard/")).json()
        # Only the second judge's scores remain: alpha 2*1.0 + 0.8 = 2.8; gamma 0 + 0.4; beta 1.2 + 0.4; delta 0.6.
        assert [(row["team"]["id"], row["rank"]) for row in board] == [
            (teams["alpha"].pk, 1),
            (teams["beta"].pk, 2),
            (teams["delta"].pk, 3),
            (teams["gamma"].pk, 4),
        ]
        assert [row["score"] for row in board] == pytest.approx([2.8, 1.6, 0.6, 0.4])


class TestPublish:
    def test_publish_ends_freezes_ranks_notifies_and_awards(self, field, committed):
        teams = build_contest(field)
        with field.at("judging"), committed():
            response = field.client("organizer").post(field.url("publish/"))
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "ended" and response.json()["results_published_at"]
        ranks = dict(Team.objects.values_list("name", "final_rank"))
        assert ranks == {"Alpha": 1, "Beta": 2, "Gamma": 2, "Delta": 4, "Epsilon": None}
        team = field.client("anon").get(field.team_url(teams["alpha"])).json()
        assert (team["rank"], team["score"]) == (1, pytest.approx(2.7))
        assert team["submission"]["title"] == "Our thing"  # public now

        # Every current member hears the result, with their rank.
        results = Notification.objects.filter(verb="hackathon_result")
        members = TeamMember.objects.filter(hackathon=field.hackathon, left_at__isnull=True)
        assert sorted(n.recipient_id for n in results) == sorted(members.values_list("user_id", flat=True))
        member_note = results.get(recipient=field.member)
        assert "#1" in member_note.message and member_note.data["rank"] == 1
        assert "no submission" in results.get(recipient=teams["epsilon"].leader).message
        assert not results.filter(recipient__in=[field.judge, field.outsider]).exists()

        # The winners, and only they, earn hackathon_winner (with its own notification).
        winners = set(UserBadge.objects.filter(badge__code="hackathon_winner").values_list("user_id", flat=True))
        assert winners == {field.leader.pk, field.member.pk}
        assert Notification.objects.filter(recipient=field.member, verb="badge_awarded").exists()

    def test_a_tie_at_the_top_makes_two_winners(self, field, committed):
        alpha, beta = field.submit(field.alpha), field.submit(field.beta)
        with field.at("judging"):
            for submission in [alpha, beta]:
                services.scores_put(submission=submission, actor=field.judge, scores={field.criteria[0].pk: 5})
            with committed():
                field.publish()
        winners = set(UserBadge.objects.filter(badge__code="hackathon_winner").values_list("user_id", flat=True))
        assert winners == {field.leader.pk, field.member.pk, field.rival.pk}

    def test_only_while_judging_and_once(self, field):
        assert field.client("organizer").post(field.url("publish/")).status_code == 400  # still running
        with field.at("judging"):
            client = field.client("organizer")
            assert client.post(field.url("publish/")).status_code == 200
            again = client.post(field.url("publish/"))
        assert again.status_code == 400 and "already" in str(again.json())

    def test_results_hidden_until_published(self, field):
        field.submit(field.alpha)
        with field.at("judging"):
            for who in ["leader", "member", "outsider", "anon"]:
                assert field.client(who).get(field.url("leaderboard/")).status_code == 403
                assert field.client(who).get(field.url("submissions/")).status_code == 403
            assert field.client("outsider").get(field.team_url(field.alpha)).json()["submission"] is None
            assert field.client("judge").get(field.team_url(field.alpha)).json()["submission"] is not None
