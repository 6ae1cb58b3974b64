"""Teams: founding, one team per user, editing, hand-over, leaving, join requests, candidates, deadlines."""

import pytest
from django.db import IntegrityError, transaction

from hackathons.models import JoinRequest, Team, TeamMember
from notifications.models import Notification
from projects.models import ProjectMember
from tests.factories import ProjectFactory, UserFactory
from users.models import Skill, UserSkill

pytestmark = pytest.mark.django_db


def current_members(team) -> list[int]:
    return sorted(TeamMember.objects.filter(team=team, left_at__isnull=True).values_list("user_id", flat=True))


def ask(field, team, who="outsider", message="I write Go."):
    return field.client(who).post(field.team_url(team, "join/"), {"message": message}, format="json")


class TestFound:
    def test_founder_leads(self, field):
        project = ProjectFactory(owner=field.outsider)
        response = field.client("outsider").post(
            field.url("teams/"),
            {"name": "Gamma", "project": project.pk, "required_skills": ["Go", "  rust "], "description": "We ship."},
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["leader"]["id"] == field.outsider.pk
        assert [(m["user"]["id"], m["role"]) for m in body["members"]] == [(field.outsider.pk, "leader")]
        assert (body["member_count"], body["project"], body["required_skills"]) == (1, project.pk, ["go", "rust"])
        assert body["looking_for_members"] is True and body["submission"] is None
        assert field.client("outsider").get(field.url()).json()["my_team"] == body["id"]

    def test_one_team_per_user(self, field):
        response = field.client("member").post(field.url("teams/"), {"name": "Splinter"}, format="json")
        assert response.status_code == 400
        assert "already on a team" in str(response.json())
        assert not Team.objects.filter(name="Splinter").exists()

    def test_one_team_per_user_is_a_database_constraint(self, field):
        with pytest.raises(IntegrityError), transaction.atomic():
            TeamMember.objects.create(hackathon=field.hackathon, team=field.beta, user=field.member)

    def test_names_are_unique_per_hackathon_ignoring_case(self, field):
        response = field.client("outsider").post(field.url("teams/"), {"name": "ALPHA"}, format="json")
        assert response.status_code == 400
        assert "name" in response.json()

    def test_someone_elses_project_cannot_be_linked(self, field):
        stranger_project = ProjectFactory(visibility="private")
        response = field.client("outsider").post(
            field.url("teams/"), {"name": "Gamma", "project": stranger_project.pk}, format="json"
        )
        assert response.status_code == 400
        assert "project" in response.json()
        assert not Team.objects.filter(name="Gamma").exists()

    @pytest.mark.parametrize(
        "body",
        [{}, {"name": ""}, {"name": "x" * 101}, {"name": "G", "project": "p"}, {"name": "G", "required_skills": "go"}],
    )
    def test_bad_input(self, field, body):
        response = field.client("outsider").post(field.url("teams/"), body, format="json")
        assert response.status_code == 400
        assert Team.objects.count() == 2

    def test_teams_close_at_the_deadline(self, field):
        with field.at("judging"):
            response = field.client("outsider").post(field.url("teams/"), {"name": "Late"}, format="json")
        assert response.status_code == 400
        assert "deadline" in str(response.json())

    def test_teams_form_before_the_start(self, field):
        with field.at("upcoming"):
            assert (
                field.client("outsider").post(field.url("teams/"), {"name": "Early"}, format="json").status_code == 201
            )


class TestListAndEdit:
    def test_list_and_filter(self, field):
        Team.objects.filter(pk=field.beta.pk).update(looking_for_members=False)
        anon = field.client("anon")
        assert [t["id"] for t in anon.get(field.url("teams/")).json()["results"]] == [field.alpha.pk, field.beta.pk]
        looking = anon.get(field.url("teams/?looking_for_members=true")).json()["results"]
        assert [t["id"] for t in looking] == [field.alpha.pk]
        assert anon.get(field.url("teams/?looking_for_members=maybe")).status_code == 400

    def test_team_list_query_count_is_fixed(self, field, django_assert_max_num_queries):
        client = field.client("outsider")
        with django_assert_max_num_queries(7):
            assert client.get(field.url("teams/")).json()["count"] == 2
        for n in range(10):
            team = Team.objects.create(hackathon=field.hackathon, name=f"T{n}", leader=UserFactory())
            TeamMember.objects.create(hackathon=field.hackathon, team=team, user=team.leader, role="leader")
            TeamMember.objects.create(hackathon=field.hackathon, team=team, user=UserFactory())
            team.required_skills.set([Skill.objects.get_or_create(name=f"s{n}")[0]])
        with django_assert_max_num_queries(7):
            assert client.get(field.url("teams/?page_size=100")).json()["count"] == 12

    def test_leader_edits(self, field):
        response = field.client("leader").patch(
            field.team_url(field.alpha),
            {"name": "Alpha Prime", "looking_for_members": False, "required_skills": ["python"]},
            format="json",
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["name"], body["looking_for_members"], body["required_skills"]) == (
            "Alpha Prime",
            False,
            ["python"],
        )

    def test_hand_over_leadership(self, field):
        response = field.client("leader").patch(field.team_url(field.alpha), {"leader": field.member.pk}, format="json")
        assert response.status_code == 200
        roles = {m["user"]["id"]: m["role"] for m in response.json()["members"]}
        assert roles == {field.leader.pk: "member", field.member.pk: "leader"}
        assert response.json()["leader"]["id"] == field.member.pk
        # The old leader has no leader's rights any more.
        assert (
            field.client("leader").patch(field.team_url(field.alpha), {"name": "X"}, format="json").status_code == 403
        )

    def test_hand_over_only_to_a_member(self, field):
        response = field.client("leader").patch(field.team_url(field.alpha), {"leader": field.rival.pk}, format="json")
        assert response.status_code == 400
        assert Team.objects.get(pk=field.alpha.pk).leader == field.leader

    def test_team_of_another_hackathon_is_not_found(self, field):
        assert field.client("leader").get(f"/api/v1/hackathons/99999/teams/{field.alpha.pk}/").status_code == 404
        assert field.client("leader").get(field.url("teams/99999/")).status_code == 404

    def test_delete(self, field):
        assert field.client("leader").delete(field.team_url(field.alpha)).status_code == 204
        assert not Team.objects.filter(pk=field.alpha.pk).exists()
        assert field.client("member").get(field.url()).json()["my_team"] is None

    def test_no_team_changes_after_the_deadline(self, field):
        with field.at("judging"):
            assert field.client("leader").patch(field.team_url(field.alpha), {"name": "Z"}).status_code == 400
            assert field.client("leader").delete(field.team_url(field.alpha)).status_code == 400
            assert field.client("member").post(field.team_url(field.alpha, "leave/"), {}).status_code == 400
        assert current_members(field.alpha) == sorted([field.leader.pk, field.member.pk])


class TestLeave:
    def test_member_leaves_and_may_join_elsewhere(self, field):
        assert field.client("member").post(field.team_url(field.alpha, "leave/"), {}).status_code == 204
        assert current_members(field.alpha) == [field.leader.pk]
        assert ask(field, field.beta, "member").status_code == 201

    def test_leader_leaves_by_handing_over(self, field):
        refused = field.client("leader").post(field.team_url(field.alpha, "leave/"), {}, format="json")
        assert refused.status_code == 400
        assert "new_leader" in refused.json()
        response = field.client("leader").post(
            field.team_url(field.alpha, "leave/"), {"new_leader": field.member.pk}, format="json"
        )
        assert response.status_code == 204
        assert current_members(field.alpha) == [field.member.pk]
        assert Team.objects.get(pk=field.alpha.pk).leader == field.member
        assert TeamMember.objects.get(team=field.alpha, user=field.member).role == "leader"

    def test_leader_alone_ends_the_team(self, field):
        assert field.client("rival").post(field.team_url(field.beta, "leave/"), {}).status_code == 204
        assert not Team.objects.filter(pk=field.beta.pk).exists()

    def test_not_a_member(self, field):
        assert field.client("outsider").post(field.team_url(field.alpha, "leave/"), {}).status_code == 400


class TestJoinRequests:
    def test_request_notifies_the_leader(self, field, committed):
        with committed():
            response = ask(field, field.alpha)
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["team"], body["user"]["id"], body["message"], body["status"]) == (
            field.alpha.pk,
            field.outsider.pk,
            "I write Go.",
            "pending",
        )
        [notification] = Notification.objects.filter(verb="join_request")
        assert (notification.recipient, notification.actor) == (field.leader, field.outsider)
        assert notification.data == {"hackathon": field.hackathon.pk, "team": field.alpha.pk, "request": body["id"]}

    def test_one_pending_request_per_team(self, field):
        assert ask(field, field.alpha).status_code == 201
        assert ask(field, field.alpha).status_code == 400
        with pytest.raises(IntegrityError), transaction.atomic():
            JoinRequest.objects.create(team=field.alpha, user=field.outsider)

    def test_full_team_is_400(self, field):
        field.add_member(field.alpha, UserFactory())  # 3 of 3
        response = ask(field, field.alpha)
        assert response.status_code == 400
        assert "full" in str(response.json())
        assert not JoinRequest.objects.filter(user=field.outsider).exists()

    def test_accept_adds_notifies_and_withdraws_other_requests(self, field, committed):
        ask(field, field.beta)
        request_id = ask(field, field.alpha).json()["id"]
        with committed():
            response = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/accept/"))
        assert response.status_code == 200
        assert response.json()["status"] == "accepted"
        assert field.outsider.pk in current_members(field.alpha)
        assert JoinRequest.objects.get(team=field.beta, user=field.outsider).status == "withdrawn"
        [notification] = Notification.objects.filter(recipient=field.outsider, verb="join_request_accepted")
        assert notification.actor == field.leader and notification.target_id == field.alpha.pk
        # 3 of 3: the team stops looking.
        assert Team.objects.get(pk=field.alpha.pk).looking_for_members is False

    def test_accept_when_full_is_400(self, field):
        request_id = ask(field, field.alpha).json()["id"]
        field.add_member(field.alpha, UserFactory())
        response = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/accept/"))
        assert response.status_code == 400
        assert JoinRequest.objects.get(pk=request_id).status == "pending"
        assert len(current_members(field.alpha)) == 3

    def test_accept_after_the_requester_joined_elsewhere(self, field):
        request_id = ask(field, field.alpha).json()["id"]
        TeamMember.objects.create(hackathon=field.hackathon, team=field.beta, user=field.outsider)
        response = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/accept/"))
        assert response.status_code == 400
        assert field.outsider.pk not in current_members(field.alpha)

    def test_decline_and_decided_stays_decided(self, field, committed):
        request_id = ask(field, field.alpha).json()["id"]
        with committed():
            response = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/decline/"))
        assert response.json()["status"] == "declined"
        assert not Notification.objects.filter(recipient=field.outsider).exists()
        again = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/accept/"))
        assert again.status_code == 400
        assert field.outsider.pk not in current_members(field.alpha)

    def test_leader_lists_requests(self, field, django_assert_max_num_queries):
        ask(field, field.alpha)
        client = field.client("leader")
        with django_assert_max_num_queries(8):
            results = client.get(field.team_url(field.alpha, "requests/")).json()["results"]
        # Newest first: the outsider's pending request, then the member's accepted one.
        assert [(r["user"]["id"], r["status"]) for r in results] == [
            (field.outsider.pk, "pending"),
            (field.member.pk, "accepted"),
        ]
        assert client.get(field.team_url(field.alpha, "requests/?status=declined")).json()["count"] == 0
        assert client.get(field.team_url(field.alpha, "requests/?status=pending")).json()["count"] == 1

    def test_request_of_another_team(self, field):
        other = JoinRequest.objects.create(team=field.beta, user=field.outsider)
        response = field.client("leader").post(field.team_url(field.alpha, f"requests/{other.pk}/accept/"))
        assert response.status_code == 404
        assert JoinRequest.objects.get(pk=other.pk).status == "pending"

    @pytest.mark.parametrize("body", [{"message": "x" * 2001}, {"message": None}, {"message": []}])
    def test_bad_input(self, field, body):
        response = field.client("outsider").post(field.team_url(field.alpha, "join/"), body, format="json")
        assert response.status_code == 400
        assert not JoinRequest.objects.filter(user=field.outsider).exists()

    def test_no_requests_after_the_deadline(self, field):
        request_id = ask(field, field.alpha).json()["id"]
        with field.at("judging"):
            assert ask(field, field.beta).status_code == 400
            response = field.client("leader").post(field.team_url(field.alpha, f"requests/{request_id}/accept/"))
            assert response.status_code == 400


def skill(name):
    return Skill.objects.get_or_create(name=name)[0]


class TestCandidates:
    def test_ranked_like_project_candidates(self, field, make_client):
        field.alpha.required_skills.set([skill("go"), skill("react")])
        people = []
        for levels in [{"go": "expert", "react": "expert"}, {"go": "beginner"}, {"react": "advanced", "sql": "expert"}]:
            user = UserFactory(looking_to_collaborate=True)
            for name, level in levels.items():
                UserSkill.objects.create(user=user, skill=skill(name), proficiency=level)
            people.append(user)
        not_looking = UserFactory(looking_to_collaborate=False)
        JoinRequest.objects.create(team=field.beta, user=not_looking)  # asked to join: a participant
        # Neither the organizer, a judge nor anyone on a team is a candidate.
        for user in [field.organizer, field.judge, field.member]:
            user.looking_to_collaborate = True
            user.save(update_fields=["looking_to_collaborate"])

        results = field.client("leader").get(field.url("candidates/")).json()["results"]
        ranked = [(r["id"], r["match_score"]) for r in results]
        assert ranked == [(people[0].pk, 1.0), (people[2].pk, 0.375), (people[1].pk, 0.125), (not_looking.pk, 0.0)]
        assert "email" not in str(results)

        # The very same score as projects/{id}/candidates/ for a project requiring the same skills.
        project = ProjectFactory()
        project.required_skills.set([skill("go"), skill("react")])
        ProjectMember.objects.filter(project=project).delete()
        from_projects = make_client(project.owner).get(f"/api/v1/projects/{project.pk}/candidates/").json()["results"]
        project_scores = {r["id"]: r["match_score"] for r in from_projects}
        assert all(project_scores[user_id] == score for user_id, score in ranked if user_id in project_scores)

    def test_for_a_chosen_team_and_without_a_team(self, field):
        field.beta.required_skills.set([skill("go")])
        user = UserFactory(looking_to_collaborate=True)
        UserSkill.objects.create(user=user, skill=skill("go"), proficiency="advanced")
        anon = field.client("anon")
        assert anon.get(field.url("candidates/")).json()["results"][0]["match_score"] == 0.0
        assert anon.get(field.url(f"candidates/?team={field.beta.pk}")).json()["results"][0]["match_score"] == 0.75
        assert anon.get(field.url("candidates/?team=999999")).status_code == 404
        assert anon.get(field.url("candidates/?team=x")).status_code == 400

    def test_query_count_is_fixed(self, field, django_assert_max_num_queries):
        field.alpha.required_skills.set([skill("go")])
        client = field.client("leader")
        UserFactory(looking_to_collaborate=True)
        with django_assert_max_num_queries(8):
            client.get(field.url("candidates/"))
        for _ in range(10):
            user = UserFactory(looking_to_collaborate=True)
            UserSkill.objects.create(user=user, skill=skill("go"), proficiency="expert")
        with django_assert_max_num_queries(8):
            assert client.get(field.url("candidates/")).json()["count"] == 11
