"""Project join requests: apply, list, accept (as developer), decline; notifications; bad input."""

import pytest

from notifications.models import Notification
from projects.models import JoinRequestStatus, ProjectJoinRequest, ProjectMember
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the after-commit work (domain signals → notifications) of the requests made inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ask(team, who="outsider", message="I know Rust and want to help."):
    return team.client(who).post(team.url("join-requests/"), {"message": message})


def pending_request(team, user=None):
    user = user or team.outsider
    return ProjectJoinRequest.objects.create(project=team.project, user=user, message="please")


class TestApply:
    def test_outsider_asks_with_a_message(self, team, committed):
        with committed():
            response = ask(team)
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["project"] == team.project.pk
        assert body["user"]["id"] == team.outsider.pk and "email" not in body["user"]
        assert (body["message"], body["status"], body["decided_at"], body["decided_by"]) == (
            "I know Rust and want to help.",
            "pending",
            None,
            None,
        )
        # The owner and the maintainer hear about it; developers and viewers do not.
        notified = Notification.objects.filter(verb="join_request")
        assert sorted(n.recipient_id for n in notified) == sorted([team.owner.pk, team.maintainer.pk])
        notification = notified.get(recipient=team.owner)
        assert notification.actor == team.outsider
        assert notification.target_type == "project_join_request"
        assert notification.data == {"project": team.project.pk, "request": body["id"]}

    def test_message_is_optional(self, team):
        response = team.client("outsider").post(team.url("join-requests/"), {})
        assert response.status_code == 201
        assert response.json()["message"] == ""

    def test_one_pending_request_per_user(self, team):
        assert ask(team).status_code == 201
        second = ask(team)
        assert second.status_code == 400
        assert "pending" in str(second.json())
        assert ProjectJoinRequest.objects.count() == 1

    def test_may_ask_again_after_a_decline(self, team):
        ProjectJoinRequest.objects.filter(pk=pending_request(team).pk).update(status=JoinRequestStatus.DECLINED)
        assert ask(team).status_code == 201
        assert ProjectJoinRequest.objects.filter(status="pending").count() == 1

    def test_database_allows_one_pending_request_only(self, team):
        from django.db import IntegrityError, transaction

        pending_request(team)
        with pytest.raises(IntegrityError), transaction.atomic():
            pending_request(team)

    @pytest.mark.parametrize("member", ["owner", "maintainer", "developer", "viewer"])
    def test_members_cannot_ask(self, team, member):
        response = ask(team, member)
        assert response.status_code == 400
        assert "already a member" in str(response.json())
        assert not ProjectJoinRequest.objects.exists()

    def test_anonymous_needs_to_sign_in(self, team):
        assert ask(team, "anon").status_code == 401

    def test_private_project_is_invisible(self, private_team):
        assert ask(private_team).status_code == 404
        assert not ProjectJoinRequest.objects.exists()

    def test_unknown_project(self, team):
        response = team.client("outsider").post("/api/v1/projects/999999/join-requests/", {"message": "hi"})
        assert response.status_code == 404

    def test_archived_project_takes_no_requests(self, team):
        team.project.status = "archived"
        team.project.save(update_fields=["status"])
        assert ask(team).status_code == 400

    @pytest.mark.parametrize(
        "payload",
        [{"message": "x" * 2001}, {"message": None}, {"message": ["a"]}, {"message": {"a": 1}}],
    )
    def test_bad_input(self, team, payload):
        response = team.client("outsider").post(team.url("join-requests/"), payload, format="json")
        assert response.status_code == 400
        assert "message" in response.json()
        assert not ProjectJoinRequest.objects.exists()

    def test_malformed_json(self, team):
        response = team.client("outsider").post(
            team.url("join-requests/"), "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert not ProjectJoinRequest.objects.exists()


class TestList:
    @pytest.mark.parametrize("who", ["owner", "maintainer"])
    def test_managers_list_pending_first(self, team, who):
        old = pending_request(team, UserFactory())
        ProjectJoinRequest.objects.filter(pk=old.pk).update(status="declined")
        newer = pending_request(team)
        response = team.client(who).get(team.url("join-requests/"))
        assert response.status_code == 200
        assert [r["id"] for r in response.json()["results"]] == [newer.pk, old.pk]
        filtered = team.client(who).get(team.url("join-requests/?status=declined")).json()["results"]
        assert [r["id"] for r in filtered] == [old.pk]

    @pytest.mark.parametrize("who", ["developer", "viewer", "outsider"])
    def test_others_may_not_list(self, team, who):
        pending_request(team)
        assert team.client(who).get(team.url("join-requests/")).status_code == 403

    def test_anonymous(self, team):
        assert team.client("anon").get(team.url("join-requests/")).status_code == 401

    def test_bad_status_filter(self, team):
        assert team.client("owner").get(team.url("join-requests/?status=maybe")).status_code == 400

    def test_query_count_does_not_grow(self, team, django_assert_max_num_queries):
        for _ in range(2):
            pending_request(team, UserFactory())
        client = team.client("owner")
        with django_assert_max_num_queries(6):
            assert client.get(team.url("join-requests/")).json()["count"] == 2
        for _ in range(15):
            pending_request(team, UserFactory())
        with django_assert_max_num_queries(6):
            assert client.get(team.url("join-requests/")).json()["count"] == 17


class TestDecide:
    @pytest.mark.parametrize("who", ["owner", "maintainer"])
    def test_accept_makes_a_developer_and_notifies_once(self, team, who, committed):
        join_request = pending_request(team)
        with committed():
            response = team.client(who).post(team.url(f"join-requests/{join_request.pk}/accept/"))
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["status"] == "accepted" and body["decided_by"]["id"] == getattr(team, who).pk
        assert body["decided_at"] is not None
        member = ProjectMember.objects.get(project=team.project, user=team.outsider)
        assert member.role == "developer"
        # One notification for the requester: "accepted", not also "added".
        assert list(Notification.objects.filter(recipient=team.outsider).values_list("verb", flat=True)) == [
            "join_request_accepted"
        ]
        # The project now shows the newcomer as a developer.
        assert team.client("outsider").get(team.url()).json()["my_role"] == "developer"

    def test_decline(self, team, committed):
        join_request = pending_request(team)
        with committed():
            response = team.client("owner").post(team.url(f"join-requests/{join_request.pk}/decline/"))
        assert response.status_code == 200
        assert response.json()["status"] == "declined"
        assert not ProjectMember.objects.filter(user=team.outsider).exists()
        assert not Notification.objects.filter(recipient=team.outsider).exists()

    @pytest.mark.parametrize("action", ["accept", "decline"])
    @pytest.mark.parametrize("who,code", [("developer", 403), ("viewer", 403), ("outsider", 403), ("anon", 401)])
    def test_only_managers_decide(self, team, action, who, code):
        join_request = pending_request(team, UserFactory())
        response = team.client(who).post(team.url(f"join-requests/{join_request.pk}/{action}/"))
        assert response.status_code == code
        join_request.refresh_from_db()
        assert join_request.status == "pending"

    def test_requester_cannot_accept_themself(self, team):
        join_request = pending_request(team)
        assert team.client("outsider").post(team.url(f"join-requests/{join_request.pk}/accept/")).status_code == 403
        assert not ProjectMember.objects.filter(user=team.outsider).exists()

    @pytest.mark.parametrize("action", ["accept", "decline"])
    def test_decided_requests_stay_decided(self, team, action):
        join_request = pending_request(team)
        assert team.client("owner").post(team.url(f"join-requests/{join_request.pk}/decline/")).status_code == 200
        response = team.client("owner").post(team.url(f"join-requests/{join_request.pk}/{action}/"))
        assert response.status_code == 400
        assert "already declined" in str(response.json())
        assert not ProjectMember.objects.filter(user=team.outsider).exists()

    def test_request_of_another_project_is_not_found(self, team, private_team):
        join_request = ProjectJoinRequest.objects.create(project=private_team.project, user=team.outsider)
        response = team.client("owner").post(team.url(f"join-requests/{join_request.pk}/accept/"))
        assert response.status_code == 404
        assert team.client("owner").post(team.url("join-requests/99999999999999999999/accept/")).status_code == 404

    def test_requester_added_meanwhile_is_a_clear_400(self, team):
        join_request = pending_request(team)
        ProjectMember.objects.create(project=team.project, user=team.outsider, role="viewer")
        response = team.client("owner").post(team.url(f"join-requests/{join_request.pk}/accept/"))
        assert response.status_code == 400
        join_request.refresh_from_db()
        assert join_request.status == "pending"
        assert ProjectMember.objects.get(user=team.outsider).role == "viewer"
