"""What the project socket (/ws/projects/{id}/) hears: events that projects.services emit after commit.

Every change of a task, a member, the GitHub sync state or the commit list goes out from the
service that made it, whoever called the service (REST, webhook, Celery worker, admin, a chat
command), through codenest.realtime after the transaction commits. The payloads are the REST
shapes (Task, Commit, the project's `github` object), built while the transaction is open so a
later change cannot leak into an earlier event.

Group events (consumer handler in projects.consumers):
  project.frame           {"frame": <the frame clients get, as is>}
  project.access_changed  {"user_id": id|None}   sockets of that user (None: everyone) re-check access
  project.deleted         {}                     every socket closes with 4404
"""

from codenest.realtime import project_group, send_event_on_commit
from projects.models import Project, ProjectMember, Task
from projects.serializers import CommitSerializer, GitHubInfoSerializer, TaskSerializer
from rooms.serializers import plain, user_summary


def _send_frame(project_id: int, frame: dict) -> None:
    send_event_on_commit(project_group(project_id), {"type": "project.frame", "frame": plain(frame)})


def task_payload(task: Task) -> dict:
    # Read again: the caller's copy may carry labels prefetched before they changed.
    fresh = Task.objects.select_related("assignee").prefetch_related("task_labels").get(pk=task.pk)
    return TaskSerializer(fresh).data


def task_changed(task: Task, frame_type: str, payload: dict | None = None) -> None:
    """task.created / task.updated / task.deleted (a deleted task's payload is taken before the delete)."""
    _send_frame(task.project_id, {"type": frame_type, "task": payload or task_payload(task)})


def commit_new(commit) -> None:
    _send_frame(commit.project_id, {"type": "commit.new", "commit": CommitSerializer(commit).data})


def sync_changed(project_id: int) -> None:
    project = Project.objects.filter(pk=project_id).first()
    if project is not None:
        _send_frame(project_id, {"type": "sync", "github": GitHubInfoSerializer(project).data})


def member_changed(member: ProjectMember, frame_type: str) -> None:
    """member.added / member.updated / member.removed."""
    frame = {"type": frame_type, "user": user_summary(member.user), "role": member.role}
    _send_frame(member.project_id, frame)
    if frame_type == "member.removed":
        access_changed(member.project_id, user_id=member.user_id)


def access_changed(project_id: int, *, user_id: int | None = None) -> None:
    event = {"type": "project.access_changed", "user_id": user_id}
    send_event_on_commit(project_group(project_id), event)


def project_deleted(project_id: int) -> None:
    send_event_on_commit(project_group(project_id), {"type": "project.deleted"})
