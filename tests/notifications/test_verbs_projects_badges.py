"""`project_member_added`, `task_assigned` and `badge_awarded` from the real projects and posts endpoints."""

import pytest

from notifications.models import Notification
from tests.factories import NotificationPreferenceFactory, ProjectFactory, ProjectMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def notifications_of(user, verb=None) -> list[Notification]:
    notifications = Notification.objects.filter(recipient=user).order_by("id")
    return list(notifications.filter(verb=verb) if verb else notifications)


@pytest.fixture
def project(db):
    return ProjectFactory(owner=UserFactory(), name="Compiler")


class TestProjectMemberAdded:
    def test_adding_a_member_notifies_them(self, project, make_client, on_commit):
        newcomer = UserFactory()
        with on_commit():
            response = make_client(project.owner).post(
                f"/api/v1/projects/{project.pk}/members/", {"user": newcomer.pk, "role": "developer"}
            )
        assert response.status_code == 201, response.content
        [notification] = notifications_of(newcomer)
        assert (notification.verb, notification.actor) == ("project_member_added", project.owner)
        assert (notification.target_type, notification.target_id) == ("project", project.pk)
        assert notification.link == f"/projects/{project.pk}"
        assert "Compiler" in notification.message and "developer" in notification.message

    def test_creating_a_project_notifies_nobody(self, make_client, on_commit):
        owner = UserFactory()
        with on_commit():
            response = make_client(owner).post("/api/v1/projects/", {"name": "Solo", "description": "Mine."})
        assert response.status_code == 201, response.content
        assert notifications_of(owner, "project_member_added") == []

    def test_refused_add_notifies_nobody(self, project, make_client, on_commit):
        outsider, target = UserFactory(), UserFactory()
        with on_commit():
            response = make_client(outsider).post(
                f"/api/v1/projects/{project.pk}/members/", {"user": target.pk, "role": "developer"}
            )
        assert response.status_code in (403, 404)
        assert notifications_of(target) == []

    def test_muted(self, project, make_client, on_commit):
        newcomer = UserFactory()
        NotificationPreferenceFactory(user=newcomer, muted_verbs=["project_member_added"])
        with on_commit():
            make_client(project.owner).post(
                f"/api/v1/projects/{project.pk}/members/", {"user": newcomer.pk, "role": "viewer"}
            )
        assert notifications_of(newcomer) == []


class TestTaskAssigned:
    def test_creating_an_assigned_task_notifies_the_assignee(self, project, make_client, on_commit):
        developer = ProjectMemberFactory(project=project, role="developer").user
        with on_commit():
            response = make_client(project.owner).post(
                f"/api/v1/projects/{project.pk}/tasks/", {"title": "Parse generics", "assignee": developer.pk}
            )
        assert response.status_code == 201, response.content
        task = response.json()
        [notification] = notifications_of(developer)
        assert (notification.verb, notification.actor) == ("task_assigned", project.owner)
        assert (notification.target_type, notification.target_id) == ("task", task["id"])
        assert notification.link == f"/projects/{project.pk}/tasks/{task['number']}"
        assert "Parse generics" in notification.message

    def test_reassigning_notifies_the_new_assignee(self, project, make_client, on_commit):
        first = ProjectMemberFactory(project=project, role="developer").user
        second = ProjectMemberFactory(project=project, role="developer").user
        client = make_client(project.owner)
        with on_commit():
            number = client.post(f"/api/v1/projects/{project.pk}/tasks/", {"title": "T", "assignee": first.pk}).json()[
                "number"
            ]
            response = client.patch(f"/api/v1/projects/{project.pk}/tasks/{number}/", {"assignee": second.pk})
            assert response.status_code == 200, response.content
            # Saving the same assignee again is not a new assignment.
            client.patch(f"/api/v1/projects/{project.pk}/tasks/{number}/", {"assignee": second.pk})
        assert [n.verb for n in notifications_of(first)] == ["task_assigned"]
        assert [n.verb for n in notifications_of(second)] == ["task_assigned"]

    def test_assigning_yourself_notifies_nobody(self, project, make_client, on_commit):
        developer = ProjectMemberFactory(project=project, role="developer").user
        with on_commit():
            response = make_client(developer).post(
                f"/api/v1/projects/{project.pk}/tasks/", {"title": "Mine", "assignee": developer.pk}
            )
        assert response.status_code == 201, response.content
        assert notifications_of(developer, "task_assigned") == []


class TestBadgeAwarded:
    def test_first_post_badge_is_notified(self, make_client, on_commit):
        author = UserFactory()
        with on_commit():
            response = make_client(author).post("/api/v1/posts/", {"title": "Hello world", "content": "My first."})
        assert response.status_code == 201, response.content
        [notification] = notifications_of(author, "badge_awarded")
        assert notification.actor is None
        assert notification.data == {"badge": "first_post"}
        assert notification.target_type == "badge"
        assert notification.link == f"/users/{author.pk}"
        listed = make_client(author).get("/api/v1/notifications/").json()["results"]
        assert listed[0]["verb"] == "badge_awarded" and listed[0]["actor"] is None

    def test_second_post_awards_nothing_new(self, make_client, on_commit):
        author = UserFactory()
        client = make_client(author)
        with on_commit():
            client.post("/api/v1/posts/", {"title": "One", "content": "."})
            client.post("/api/v1/posts/", {"title": "Two", "content": "."})
        assert len(notifications_of(author, "badge_awarded")) == 1

    def test_muted_badges(self, make_client, on_commit):
        author = UserFactory()
        NotificationPreferenceFactory(user=author, muted_verbs=["badge_awarded"])
        with on_commit():
            make_client(author).post("/api/v1/posts/", {"title": "Hello", "content": "."})
        assert notifications_of(author) == []
