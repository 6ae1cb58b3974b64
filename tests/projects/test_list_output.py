"""The project and task lists write their rows with project_data/task_data: the bytes must be the ones
ProjectSerializer/TaskSerializer and DRF's renderer wrote for the same rows (issue 16)."""

from datetime import date

from django.utils import timezone

from projects.models import ProjectRole, TaskLabel
from projects.selectors import project_get_for_user, project_list, task_list
from projects.serializers import ProjectSerializer, TaskSerializer
from tests.factories import (
    MessageFactory,
    ProjectFactory,
    ProjectMemberFactory,
    RoomFactory,
    TaskFactory,
    UserFactory,
)
from tests.list_output import AWKWARD_TEXT, assert_response_is_serializer_output
from users.models import Skill


def test_project_list_bytes_are_the_serializers(user, auth_client):
    linked = ProjectFactory(
        description=AWKWARD_TEXT,
        room=RoomFactory(),
        repo_url="https://github.com/a/b",
        github_full_name="a/b",
        github_stars=12,
        github_language="Python",
        last_synced_at=timezone.now(),
        sync_status="ok",
        github_token_encrypted="ciphertext",
    )
    linked.required_skills.add(Skill.objects.create(name="rust"), Skill.objects.create(name="django"))
    private = ProjectFactory(visibility="private", looking_for_members=True)
    ProjectMemberFactory(project=private, user=user, role=ProjectRole.MAINTAINER)
    ProjectFactory(visibility="private")  # hidden from me
    ProjectFactory(status="archived", owner=UserFactory(name="Zoë 😀"))
    for params in ({}, {"page_size": 2}, {"skill": "rust"}):
        response = auth_client.get("/api/v1/projects/", params)
        assert response.json()["results"]
        rows = {p.pk: p for p in project_list(user=user)}
        reference = ProjectSerializer([rows[p["id"]] for p in response.json()["results"]], many=True).data
        assert_response_is_serializer_output(response, reference)


def test_task_list_bytes_are_the_serializers(user, auth_client):
    project = ProjectFactory(owner=user)
    erased = UserFactory()
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    labelled = TaskFactory(project=project, description=AWKWARD_TEXT, assignee=user, due_date=date(2027, 2, 28))
    TaskLabel.objects.create(task=labelled, name="bug")
    TaskLabel.objects.create(task=labelled, name="backend")
    TaskFactory(project=project, status="in_progress", priority="urgent", assignee=erased, position=-3)
    TaskFactory(project=project, source_message=MessageFactory(), title="from chat")
    TaskFactory(project=ProjectFactory())  # another project's
    for params in ({}, {"page_size": 2}, {"label": "bug"}):
        response = auth_client.get(f"/api/v1/projects/{project.pk}/tasks/", params)
        assert response.json()["results"]
        rows = {t.pk: t for t in task_list(project=project_get_for_user(project_id=project.pk, user=user))}
        reference = TaskSerializer([rows[t["id"]] for t in response.json()["results"]], many=True).data
        assert_response_is_serializer_output(response, reference)
