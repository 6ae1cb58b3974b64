"""Hackathons: create, read, edit, the clock-driven status, judges, bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from hackathons.models import Criterion, Hackathon, Judge, Score
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def iso(moment):
    return moment.isoformat().replace("+00:00", "Z")


def new_hackathon_body(**overrides):
    now = timezone.now()
    body = {
        "name": "Spring Jam",
        "description": "Build a CLI.",
        "starts_at": iso(now + timedelta(days=1)),
        "submission_deadline": iso(now + timedelta(days=3)),
        "ends_at": iso(now + timedelta(days=4)),
        "max_team_size": 4,
        "prize_pool": "$1,000",
        "rules": "Be kind.",
        "criteria": [{"name": "Idea", "weight": 2, "max_score": 10}, {"name": "Polish", "weight": 0.5}],
    }
    body.update(overrides)
    return body


class TestCreate:
    def test_creator_is_organizer(self, make_client):
        organizer = UserFactory()
        response = make_client(organizer).post("/api/v1/hackathons/", new_hackathon_body(), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["organizer"]["id"] == organizer.pk and "email" not in body["organizer"]
        assert (body["slug"], body["status"], body["team_count"], body["my_team"], body["is_judge"]) == (
            "spring-jam",
            "upcoming",
            0,
            None,
            False,
        )
        assert [(c["name"], c["weight"], c["max_score"]) for c in body["criteria"]] == [
            ("Idea", 2.0, 10),
            ("Polish", 0.5, 10),
        ]
        assert (body["max_team_size"], body["prize_pool"], body["rules"]) == (4, "$1,000", "Be kind.")
        assert set(body) >= {"id", "starts_at", "ends_at", "submission_deadline", "description"}

    def test_same_name_gets_another_slug(self, make_client):
        client = make_client(UserFactory())
        slugs = [client.post("/api/v1/hackathons/", new_hackathon_body(), format="json").json()["slug"] for _ in "ab"]
        assert slugs == ["spring-jam", "spring-jam-2"]

    @pytest.mark.parametrize(
        "overrides,field",
        [
            ({"submission_deadline": iso(timezone.now() + timedelta(hours=1))}, "submission_deadline"),
            ({"ends_at": iso(timezone.now() + timedelta(days=2))}, "ends_at"),
            (
                {
                    "starts_at": iso(timezone.now() - timedelta(days=3)),
                    "submission_deadline": iso(timezone.now() - timedelta(days=1)),
                },
                "submission_deadline",
            ),
            ({"max_team_size": 0}, "max_team_size"),
            ({"max_team_size": 51}, "max_team_size"),
            ({"max_team_size": "many"}, "max_team_size"),
            ({"name": ""}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"rules": "x" * 20001}, "rules"),
            ({"starts_at": "yesterday"}, "starts_at"),
            ({"criteria": [{"name": "A", "weight": 0}]}, "criteria"),
            ({"criteria": [{"name": "A", "max_score": 0}]}, "criteria"),
            ({"criteria": [{"name": "A"}, {"name": "a"}]}, "criteria"),
            ({"criteria": "Idea"}, "criteria"),
            ({"criteria": [{"weight": 1}]}, "criteria"),
            ({"criteria": [{"name": f"c{i}"} for i in range(21)]}, "criteria"),
        ],
    )
    def test_bad_input_is_400_and_writes_nothing(self, make_client, overrides, field):
        response = make_client(UserFactory()).post(
            "/api/v1/hackathons/", new_hackathon_body(**overrides), format="json"
        )
        assert response.status_code == 400, response.content
        assert field in response.json()
        assert not Hackathon.objects.exists() and not Criterion.objects.exists()

    def test_malformed_json(self, make_client):
        response = make_client(UserFactory()).post("/api/v1/hackathons/", "{oops", content_type="application/json")
        assert response.status_code == 400
        assert not Hackathon.objects.exists()

    def test_dates_in_order_is_a_database_rule_too(self, field):
        hackathon = field.hackathon
        with pytest.raises(IntegrityError), transaction.atomic():
            Hackathon.objects.filter(pk=hackathon.pk).update(submission_deadline=hackathon.starts_at)


class TestStatusFollowsTheClock:
    def test_upcoming_running_judging_ended(self, field):
        url = field.url()
        for phase in ["upcoming", "running", "judging"]:
            with field.at(phase):
                assert client_for(None).get(url).json()["status"] == phase
        with field.at("judging"):
            field.publish()
        # Ended for good, whatever the clock says.
        for phase in ["running", "judging"]:
            with field.at(phase):
                assert client_for(None).get(url).json()["status"] == "ended"

    def test_the_deadline_itself_belongs_to_judging(self, field):
        with time_machine.travel(field.hackathon.submission_deadline, tick=False):
            assert client_for(None).get(field.url()).json()["status"] == "judging"
        with time_machine.travel(field.hackathon.submission_deadline - timedelta(microseconds=1), tick=False):
            assert client_for(None).get(field.url()).json()["status"] == "running"

    def test_status_filter(self, field, make_client):
        later = make_client(UserFactory()).post("/api/v1/hackathons/", new_hackathon_body(), format="json").json()
        anon = client_for(None)
        ids = lambda status: [h["id"] for h in anon.get(f"/api/v1/hackathons/?status={status}").json()["results"]]  # noqa: E731
        assert ids("running") == [field.hackathon.pk]
        assert ids("upcoming") == [later["id"]]
        assert ids("judging") == [] and ids("ended") == []
        with field.at("judging"):
            assert ids("judging") == [field.hackathon.pk]
        assert anon.get("/api/v1/hackathons/?status=soon").status_code == 400

    def test_search(self, field):
        anon = client_for(None)
        assert anon.get("/api/v1/hackathons/?search=test jam").json()["count"] == 1
        assert anon.get("/api/v1/hackathons/?search=nothing").json()["count"] == 0


class TestViewerFields:
    def test_my_team_and_is_judge(self, field):
        def view(who):
            body = field.client(who).get(field.url()).json()
            return body["my_team"], body["is_judge"]

        assert view("leader") == (field.alpha.pk, False)
        assert view("member") == (field.alpha.pk, False)
        assert view("rival") == (field.beta.pk, False)
        assert view("judge") == (None, True)
        assert view("outsider") == (None, False)
        assert view("anon") == (None, False)
        assert field.client("anon").get(field.url()).json()["team_count"] == 2

    def test_list_query_count_is_fixed(self, field, django_assert_max_num_queries, make_client):
        client = field.client("leader")
        with django_assert_max_num_queries(4):
            assert client.get("/api/v1/hackathons/").json()["count"] == 1
        creator = make_client(UserFactory())
        for _ in range(8):
            creator.post("/api/v1/hackathons/", new_hackathon_body(), format="json")
        with django_assert_max_num_queries(4):
            assert client.get("/api/v1/hackathons/").json()["count"] == 9


class TestEdit:
    def test_organizer_edits_fields_and_dates(self, field):
        deadline = field.hackathon.submission_deadline + timedelta(hours=5)
        response = field.client("organizer").patch(
            field.url(), {"name": "Renamed Jam", "submission_deadline": iso(deadline)}, format="json"
        )
        assert response.status_code == 200, response.content
        assert (response.json()["name"], response.json()["slug"]) == ("Renamed Jam", "renamed-jam")
        field.hackathon.refresh_from_db()
        assert field.hackathon.submission_deadline == deadline

    def test_dates_out_of_order_are_refused(self, field):
        response = field.client("organizer").patch(
            field.url(), {"ends_at": iso(field.hackathon.starts_at)}, format="json"
        )
        assert response.status_code == 400
        assert "ends_at" in response.json()

    def test_criteria_are_replaced_until_judges_score(self, field):
        client = field.client("organizer")
        response = client.patch(field.url(), {"criteria": [{"name": "Impact", "weight": 3}]}, format="json")
        assert response.status_code == 200
        assert [c["name"] for c in response.json()["criteria"]] == ["Impact"]
        field.submit(field.alpha)
        criterion = Criterion.objects.get(hackathon=field.hackathon)
        judge = Judge.objects.get(user=field.judge)
        Score.objects.create(submission=field.alpha.submission, judge=judge, criterion=criterion, value=3)
        response = client.patch(field.url(), {"criteria": [{"name": "Other"}]}, format="json")
        assert response.status_code == 400
        assert [c.name for c in Criterion.objects.filter(hackathon=field.hackathon)] == ["Impact"]

    def test_team_size_cannot_drop_below_a_team(self, field):
        response = field.client("organizer").patch(field.url(), {"max_team_size": 1}, format="json")
        assert response.status_code == 400
        assert "max_team_size" in response.json()
        assert Hackathon.objects.get(pk=field.hackathon.pk).max_team_size == 3

    def test_dates_of_an_ended_hackathon_stay(self, field):
        with field.at("judging"):
            field.publish()
            response = field.client("organizer").patch(
                field.url(), {"ends_at": iso(field.hackathon.ends_at + timedelta(days=1))}, format="json"
            )
        assert response.status_code == 400

    def test_unknown_hackathon(self, field):
        assert field.client("organizer").get("/api/v1/hackathons/99999/").status_code == 404
        assert field.client("organizer").patch("/api/v1/hackathons/99999/", {"name": "x"}).status_code == 404
        assert field.client("organizer").get("/api/v1/hackathons/99999999999999999999/").status_code == 404


class TestJudges:
    def test_add_list_remove(self, field):
        newcomer = UserFactory()
        client = field.client("organizer")
        response = client.post(field.url("judges/"), {"user": newcomer.pk}, format="json")
        assert response.status_code == 201
        assert response.json()["user"]["id"] == newcomer.pk
        listed = field.client("anon").get(field.url("judges/")).json()["results"]
        assert [j["user"]["id"] for j in listed] == [field.judge.pk, newcomer.pk]
        assert client.delete(field.url("judges/"), {"user": newcomer.pk}, format="json").status_code == 204
        assert not Judge.objects.filter(user=newcomer).exists()

    def test_a_team_member_cannot_be_a_judge(self, field):
        response = field.client("organizer").post(field.url("judges/"), {"user": field.member.pk}, format="json")
        assert response.status_code == 400
        assert "team" in str(response.json())
        assert not Judge.objects.filter(user=field.member).exists()

    def test_a_judge_cannot_join_or_found_a_team(self, field):
        client = field.client("judge")
        assert client.post(field.url("teams/"), {"name": "Judges"}, format="json").status_code == 400
        response = client.post(field.team_url(field.alpha, "join/"), {"message": "hi"}, format="json")
        assert response.status_code == 400
        assert "judge" in str(response.json()).lower()

    def test_becoming_a_judge_withdraws_pending_requests(self, field):
        client = field.client("outsider")
        request_id = client.post(field.team_url(field.alpha, "join/"), {}, format="json").json()["id"]
        field.client("organizer").post(field.url("judges/"), {"user": field.outsider.pk}, format="json")
        assert field.alpha.join_requests.get(pk=request_id).status == "withdrawn"

    @pytest.mark.parametrize("body", [{}, {"user": "abc"}, {"user": 0}, {"user": 10**30}, {"user": None}])
    def test_bad_input(self, field, body):
        response = field.client("organizer").post(field.url("judges/"), body, format="json")
        assert response.status_code == 400
        assert Judge.objects.count() == 1

    def test_twice_and_unknown(self, field):
        client = field.client("organizer")
        assert client.post(field.url("judges/"), {"user": field.judge.pk}, format="json").status_code == 400
        assert client.post(field.url("judges/"), {"user": 987654}, format="json").status_code == 400
        assert client.delete(field.url("judges/"), {"user": field.outsider.pk}, format="json").status_code == 404

    def test_no_judge_changes_after_publishing(self, field):
        with field.at("judging"):
            field.publish()
            client = field.client("organizer")
            assert client.post(field.url("judges/"), {"user": field.outsider.pk}, format="json").status_code == 400
            assert client.delete(field.url("judges/"), {"user": field.judge.pk}, format="json").status_code == 400
        assert Judge.objects.filter(user=field.judge).exists()
