"""Every write of the projects app. Keyword-only, one transaction, domain signals after commit.

Role rules (ROLE_RANK): viewers read; developers also write tasks; maintainers also edit the
project, manage developers and viewers, and start a GitHub sync; the owner also deletes the
project and grants or revokes the maintainer role.
"""

import re
from collections.abc import Iterable
from datetime import date
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from rest_framework.exceptions import NotFound

from codenest.slugs import unique_slug
from projects import signals
from projects.crypto import decrypt_secret, encrypt_secret
from projects.github import (
    CommitData,
    GitHubError,
    GitHubRateLimited,
    RepoSnapshot,
    fetch_repository,
    repo_full_name,
)
from projects.models import (
    Commit,
    DeliveryOutcome,
    JoinRequestStatus,
    Project,
    ProjectJoinRequest,
    ProjectMember,
    ProjectRole,
    ProjectStatus,
    SyncStatus,
    Task,
    TaskLabel,
    TaskStatus,
    WebhookDelivery,
)
from projects.permissions import role_at_least
from projects.selectors import member_role
from rooms.selectors import room_list_visible_to
from users.models import User
from users.services import skills_named

# "closes #12", "Fixes #3", "resolved #7": GitHub's own closing keywords.
CLOSING_RE = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d{1,9})\b", re.IGNORECASE)
DELIVERY_LOG_SIZE = 100
PROJECT_FIELDS = ("name", "description", "visibility", "status", "looking_for_members")
TASK_FIELDS = ("title", "description", "priority", "due_date", "position")


def _announce(signal, sender, **kwargs) -> None:
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs))


def _require_role(*, project: Project, actor, role: str, action: str) -> str:
    current = member_role(project=project, user=actor)
    if not role_at_least(current, role):
        raise PermissionDenied(f"Only a project {role} or above may {action}.")
    return current


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    return unique_slug(name, among=Project.objects.all(), fallback="project", exclude_id=exclude_id)


def _room_for(*, room_id: int | None, user):
    if room_id is None:
        return None
    room = room_list_visible_to(user).filter(pk=room_id).first()
    if room is None:
        raise ValidationError({"room": ["No such room."]})
    return room


def _check_repo_url(repo_url: str) -> None:
    if repo_url and repo_full_name(repo_url) is None:
        raise ValidationError({"repo_url": ["Expected a GitHub repository URL: https://github.com/<owner>/<repo>."]})


# --- projects --------------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    owner: User,
    name: str,
    description: str = "",
    room_id: int | None = None,
    repo_url: str = "",
    visibility: str = "public",
    status: str = "active",
    required_skills: Iterable[str] = (),
    looking_for_members: bool = False,
    github_token: str = "",
) -> Project:
    _check_repo_url(repo_url)
    project = Project.objects.create(
        name=name,
        slug=_unique_slug(name),
        description=description,
        owner=owner,
        room=_room_for(room_id=room_id, user=owner),
        repo_url=repo_url,
        visibility=visibility,
        status=status,
        looking_for_members=looking_for_members,
        github_token_encrypted=encrypt_secret(github_token),
    )
    project.required_skills.set(skills_named(required_skills))
    ProjectMember.objects.create(project=project, user=owner, role=ProjectRole.OWNER)
    _announce(signals.project_created, Project, project=project, owner=owner)
    return project


@transaction.atomic
def project_update(*, project: Project, actor: User, data: dict) -> Project:
    _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action="edit the project")
    changed = [name for name in PROJECT_FIELDS if name in data]
    for name in changed:
        setattr(project, name, data[name])
    if "name" in data:
        project.slug = _unique_slug(data["name"], exclude_id=project.pk)
        changed.append("slug")
    if "room" in data:
        project.room = _room_for(room_id=data["room"], user=actor)
        changed.append("room")
    if "repo_url" in data:
        _check_repo_url(data["repo_url"])
        project.repo_url = data["repo_url"]
        changed.append("repo_url")
    if "github_token" in data:
        project.github_token_encrypted = encrypt_secret(data["github_token"])
        changed.append("github_token_encrypted")
    if changed:
        project.save(update_fields=[*changed, "updated_at"])
    if "required_skills" in data:
        project.required_skills.set(skills_named(data["required_skills"]))
    return project


@transaction.atomic
def project_delete(*, project: Project, actor: User) -> None:
    _require_role(project=project, actor=actor, role=ProjectRole.OWNER, action="delete the project")
    project.delete()


@transaction.atomic
def project_regenerate_webhook_secret(*, project: Project, actor: User) -> Project:
    from projects.models import new_webhook_secret

    _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action="change the webhook secret")
    project.webhook_secret = new_webhook_secret()
    project.save(update_fields=["webhook_secret", "updated_at"])
    return project


# --- members ---------------------------------------------------------------------------------


def _check_may_manage(*, project: Project, actor: User, role: str) -> None:
    """Maintainers manage developers and viewers; only the owner grants or revokes maintainer."""
    actor_role = _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action="manage members")
    if role in (ProjectRole.MAINTAINER, ProjectRole.OWNER) and actor_role != ProjectRole.OWNER:
        raise PermissionDenied("Only the owner may grant or revoke the maintainer role.")


@transaction.atomic
def member_add(
    *, project: Project, actor: User, user_id: int, role: str, join_request: "ProjectJoinRequest | None" = None
) -> ProjectMember:
    if role == ProjectRole.OWNER:
        raise ValidationError({"role": ["A project has exactly one owner."]})
    _check_may_manage(project=project, actor=actor, role=role)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise ValidationError({"user": ["No such user."]})
    if ProjectMember.objects.filter(project=project, user=user).exists():
        raise ValidationError({"user": ["Already a member of this project."]})
    member = ProjectMember.objects.create(project=project, user=user, role=role)
    # Accepting a join request says so, so listeners can tell "added" from "request accepted".
    via_request = {"join_request": join_request} if join_request is not None else {}
    _announce(signals.member_added, ProjectMember, project=project, user=user, role=role, added_by=actor, **via_request)
    return member


@transaction.atomic
def member_update(*, project: Project, actor: User, member: ProjectMember, role: str) -> ProjectMember:
    if member.role == ProjectRole.OWNER or role == ProjectRole.OWNER:
        raise ValidationError({"role": ["The owner's role cannot change and ownership cannot be granted here."]})
    _check_may_manage(project=project, actor=actor, role=member.role)
    _check_may_manage(project=project, actor=actor, role=role)
    if member.role != role:
        member.role = role
        member.save(update_fields=["role"])
    return member


@transaction.atomic
def member_remove(*, project: Project, actor: User, member: ProjectMember) -> None:
    if member.role == ProjectRole.OWNER:
        raise ValidationError({"user": ["The owner cannot leave; delete the project instead."]})
    if member.user_id != actor.pk:  # anybody may leave; removing others is management
        _check_may_manage(project=project, actor=actor, role=member.role)
    Task.objects.filter(project=project, assignee_id=member.user_id).update(assignee=None)
    member.delete()


# --- tasks -----------------------------------------------------------------------------------


def _assignee_for(*, project: Project, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    member = ProjectMember.objects.filter(project=project, user_id=assignee_id).select_related("user").first()
    if member is None:
        raise ValidationError({"assignee": ["The assignee must be a member of the project."]})
    return member.user


def _set_labels(task: Task, labels: Iterable[str]) -> None:
    TaskLabel.objects.filter(task=task).delete()
    TaskLabel.objects.bulk_create([TaskLabel(task=task, name=name) for name in dict.fromkeys(labels)])


@transaction.atomic
def task_create(
    *,
    project: Project,
    actor: User,
    title: str,
    description: str = "",
    status: str = TaskStatus.TODO,
    priority: str = "medium",
    labels: Iterable[str] = (),
    assignee_id: int | None = None,
    due_date: date | None = None,
    position: int = 0,
) -> Task:
    _require_role(project=project, actor=actor, role=ProjectRole.DEVELOPER, action="create tasks")
    assignee = _assignee_for(project=project, assignee_id=assignee_id)
    # The row lock serialises concurrent creators, so numbers neither repeat nor skip.
    locked = Project.objects.select_for_update().only("id", "next_task_number").get(pk=project.pk)
    number = locked.next_task_number
    Project.objects.filter(pk=project.pk).update(next_task_number=F("next_task_number") + 1)
    task = Task.objects.create(
        project=project,
        number=number,
        title=title,
        description=description,
        status=status,
        priority=priority,
        assignee=assignee,
        due_date=due_date,
        position=position,
        created_by=actor,
    )
    _set_labels(task, labels)
    _announce(signals.task_created, Task, task=task, actor=actor)
    if assignee is not None:
        _announce(signals.task_assigned, Task, task=task, assignee=assignee, assigned_by=actor)
    return task


@transaction.atomic
def task_update(*, task: Task, actor: User, data: dict) -> Task:
    _require_role(project=task.project, actor=actor, role=ProjectRole.DEVELOPER, action="edit tasks")
    changed = [name for name in TASK_FIELDS if name in data]
    for name in changed:
        setattr(task, name, data[name])
    old_status, old_assignee_id = task.status, task.assignee_id
    if "status" in data:
        task.status = data["status"]
        changed.append("status")
    if "assignee" in data:
        task.assignee = _assignee_for(project=task.project, assignee_id=data["assignee"])
        changed.append("assignee")
    if changed:
        task.save(update_fields=[*changed, "updated_at"])
    if "labels" in data:
        _set_labels(task, data["labels"])
    if task.assignee_id is not None and task.assignee_id != old_assignee_id:
        _announce(signals.task_assigned, Task, task=task, assignee=task.assignee, assigned_by=actor)
    if task.status != old_status:
        _announce(
            signals.task_status_changed, Task, task=task, old_status=old_status, new_status=task.status, actor=actor
        )
    return task


@transaction.atomic
def task_delete(*, task: Task, actor: User) -> None:
    _require_role(project=task.project, actor=actor, role=ProjectRole.DEVELOPER, action="delete tasks")
    task.delete()


# --- GitHub ----------------------------------------------------------------------------------


@transaction.atomic
def project_sync_request(*, project: Project, actor: User) -> Project:
    """Queue a GitHub sync; the Celery task is sent once the queued state is committed."""
    from projects.tasks import sync_project  # tasks import services: import at call time

    _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action="sync with GitHub")
    if not project.repo_url:
        raise ValidationError({"repo_url": ["Set the project's repo_url before syncing."]})
    project.sync_status = SyncStatus.QUEUED
    project.save(update_fields=["sync_status"])
    transaction.on_commit(partial(sync_project.delay, project.pk))
    return project


def _set_sync_state(project_id: int, status: str, **fields) -> None:
    Project.objects.filter(pk=project_id).update(sync_status=status, **fields)


def project_sync_github(*, project_id: int) -> Project | None:
    """Pull repository metadata and recent commits into the project. None if the project is gone.

    Raises GitHubRateLimited (status back to queued) so the caller can retry after the reset;
    any other GitHub failure ends as sync_status "failed" with the reason in sync_error.
    """
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return None
    full_name = repo_full_name(project.repo_url)
    if full_name is None:
        _set_sync_state(project_id, SyncStatus.FAILED, sync_error="The project has no GitHub repository URL.")
        return project
    _set_sync_state(project_id, SyncStatus.RUNNING, sync_error="")
    try:
        snapshot = fetch_repository(full_name=full_name, token=decrypt_secret(project.github_token_encrypted))
    except GitHubRateLimited as exc:
        _set_sync_state(project_id, SyncStatus.QUEUED, sync_error=str(exc))
        raise
    except GitHubError as exc:
        _set_sync_state(project_id, SyncStatus.FAILED, sync_error=str(exc))
        return project
    try:
        _store_snapshot(project, snapshot)
    except Exception as exc:
        # Never leave the project "running" forever; the worker log has the traceback.
        _set_sync_state(project_id, SyncStatus.FAILED, sync_error=f"Storing the sync failed: {exc.__class__.__name__}.")
        raise
    return project


@transaction.atomic
def _store_snapshot(project: Project, snapshot: RepoSnapshot) -> None:
    commits_record(project=project, commits=snapshot.commits)
    _set_sync_state(
        project.pk,
        SyncStatus.OK,
        sync_error="",
        last_synced_at=timezone.now(),
        github_full_name=snapshot.full_name[:200],
        github_stars=snapshot.stars,
        github_forks=snapshot.forks,
        github_open_issues=snapshot.open_issues,
        github_language=snapshot.language[:100],
        github_default_branch=snapshot.default_branch[:200],
    )


def project_sync_give_up(*, project_id: int, error: str) -> None:
    _set_sync_state(project_id, SyncStatus.FAILED, sync_error=error)


def _users_by_email(emails: Iterable[str]) -> dict[str, User]:
    wanted = {email.lower() for email in emails if email}
    if not wanted:
        return {}
    # lower(email) is what the users table keeps unique (and indexes).
    users = User.objects.annotate(email_lower=Lower("email")).filter(is_active=True, email_lower__in=wanted)
    return {user.email_lower: user for user in users}


def _closed_task_number(message: str) -> int | None:
    match = CLOSING_RE.search(message)
    return int(match.group(1)) if match else None


@transaction.atomic
def commits_record(*, project: Project, commits: list[CommitData]) -> list[Commit]:
    """Store commits not seen before (unique per project and sha) and close the tasks they name.

    Idempotent: a commit already stored is skipped entirely, so a re-sync or a redelivered push
    neither duplicates rows nor moves a task that was reopened since.
    """
    known = set(Commit.objects.filter(project=project, sha__in=[c.sha for c in commits]).values_list("sha", flat=True))
    fresh = list({c.sha: c for c in commits if c.sha not in known}.values())
    if not fresh:
        return []
    authors = _users_by_email(c.author_email for c in fresh)
    numbers = {n for n in (_closed_task_number(c.message) for c in fresh) if n is not None}
    tasks = {t.number: t for t in Task.objects.select_for_update().filter(project=project, number__in=numbers)}
    stored = []
    # Oldest first, so when several commits name one task the earliest closes it.
    for data in sorted(fresh, key=lambda c: (c.committed_at is None, c.committed_at or 0)):
        task = tasks.get(_closed_task_number(data.message))
        author = authors.get(data.author_email.lower())
        commit = Commit.objects.create(
            project=project,
            sha=data.sha,
            message=data.message,
            author_name=data.author_name[:200],
            author_email=data.author_email[:254],
            author=author,
            url=data.url[:500],
            committed_at=data.committed_at,
            task=task,
        )
        stored.append(commit)
        if task is None:
            continue
        _announce(signals.commit_linked, Commit, commit=commit, task=task, user=author)
        if task.status != TaskStatus.DONE:
            old_status, task.status = task.status, TaskStatus.DONE
            task.save(update_fields=["status", "updated_at"])
            _announce(
                signals.task_status_changed, Task, task=task, old_status=old_status, new_status=task.status, actor=None
            )
    return stored


@transaction.atomic
def webhook_delivery_record(
    *, project: Project, delivery_id: str, event: str, commits: list[CommitData] | None = None
) -> tuple[WebhookDelivery, bool]:
    """Log a verified delivery and process it once; (delivery, False) when it was seen before."""
    existing = WebhookDelivery.objects.filter(project=project, delivery_id=delivery_id).first()
    if existing is not None:
        return existing, False
    if event == "push":
        stored = commits_record(project=project, commits=commits or [])
        outcome, detail = DeliveryOutcome.PROCESSED, f"{len(stored)} new commit(s)"
    elif event == "ping":
        outcome, detail = DeliveryOutcome.PROCESSED, "pong"
    else:
        outcome, detail = DeliveryOutcome.IGNORED, f"event {event!r} is not handled"
    delivery = WebhookDelivery.objects.create(
        project=project, delivery_id=delivery_id, event=event[:50], outcome=outcome, detail=detail
    )
    stale = (
        WebhookDelivery.objects.filter(project=project).order_by("-id").values_list("id", flat=True)[DELIVERY_LOG_SIZE:]
    )
    WebhookDelivery.objects.filter(pk__in=list(stale)).delete()
    return delivery, True


# --- join requests ---------------------------------------------------------------------------


@transaction.atomic
def join_request_create(*, project: Project, user: User, message: str = "") -> ProjectJoinRequest:
    """A signed-in non-member of a visible project asks to join (the caller checked visibility)."""
    if member_role(project=project, user=user) is not None:
        raise ValidationError({"detail": ["You are already a member of this project."]})
    if project.status != ProjectStatus.ACTIVE:
        raise ValidationError({"detail": ["This project is not active and takes no new members."]})
    if ProjectJoinRequest.objects.filter(project=project, user=user, status=JoinRequestStatus.PENDING).exists():
        raise ValidationError({"detail": ["You already have a pending request to join this project."]})
    try:
        with transaction.atomic():  # the partial unique constraint settles a race between two requests
            join_request = ProjectJoinRequest.objects.create(project=project, user=user, message=message)
    except IntegrityError:
        raise ValidationError({"detail": ["You already have a pending request to join this project."]}) from None
    _announce(signals.join_request_created, ProjectJoinRequest, join_request=join_request)
    return join_request


def _pending_request_locked(*, project: Project, actor: User, request_id: int, action: str) -> ProjectJoinRequest:
    _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action=action)
    join_request = (
        ProjectJoinRequest.objects.select_for_update()
        .select_related("user", "project")
        .filter(project=project, pk=request_id)
        .first()
    )
    if join_request is None:
        raise NotFound("No such join request.")
    if join_request.status != JoinRequestStatus.PENDING:
        raise ValidationError({"detail": [f"This request was already {join_request.status}."]})
    return join_request


def _decide(join_request: ProjectJoinRequest, *, status: str, actor: User) -> None:
    join_request.status = status
    join_request.decided_at = timezone.now()
    join_request.decided_by = actor
    join_request.save(update_fields=["status", "decided_at", "decided_by"])


@transaction.atomic
def join_request_accept(*, project: Project, actor: User, request_id: int) -> ProjectJoinRequest:
    """Owner or maintainer: the requester becomes a developer (member_add: same rules, same signals)."""
    join_request = _pending_request_locked(
        project=project, actor=actor, request_id=request_id, action="accept join requests"
    )
    if not join_request.user.is_active:
        raise ValidationError({"detail": ["This user's account is no longer active."]})
    if ProjectMember.objects.filter(project=project, user_id=join_request.user_id).exists():
        raise ValidationError({"detail": ["The requester is already a member of this project."]})
    member_add(
        project=project,
        actor=actor,
        user_id=join_request.user_id,
        role=ProjectRole.DEVELOPER,
        join_request=join_request,
    )
    _decide(join_request, status=JoinRequestStatus.ACCEPTED, actor=actor)
    _announce(signals.join_request_accepted, ProjectJoinRequest, join_request=join_request, accepted_by=actor)
    return join_request


@transaction.atomic
def join_request_decline(*, project: Project, actor: User, request_id: int) -> ProjectJoinRequest:
    join_request = _pending_request_locked(
        project=project, actor=actor, request_id=request_id, action="decline join requests"
    )
    _decide(join_request, status=JoinRequestStatus.DECLINED, actor=actor)
    return join_request
