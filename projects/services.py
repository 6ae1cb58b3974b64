"""Every write of the projects app. Keyword-only, one transaction, domain signals after commit.

Role rules (ROLE_RANK): viewers read; developers also write tasks; maintainers also edit the
project, manage developers and viewers, and start a GitHub sync; the owner also deletes the
project and grants or revokes the maintainer role.
"""

import re
from collections.abc import Iterable
from datetime import date
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from codenest.errors import NotFound, conflict_on
from codenest.realtime import send_signal_on_commit
from codenest.services import model_update
from codenest.slugs import unique_slug
from projects import live, signals
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
from projects.selectors import member_role, project_get_for_user, projects_linked_to_room
from rooms.models import Message, MessageKind, Room
from rooms.selectors import message_get, room_get_for_member, room_list_visible_to
from rooms.services import system_message_post
from users.models import User
from users.services import require_verified_email, skills_named

# "closes #12", "Fixes #3", "resolved #7": GitHub's own closing keywords.
CLOSING_RE = re.compile(r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+#(\d{1,9})\b", re.IGNORECASE)
DELIVERY_LOG_SIZE = 100
MAX_SHAS_IN_MESSAGE = 20
PROJECT_FIELDS = ("name", "description", "visibility", "status", "looking_for_members")
TASK_TITLE_MAX = Task._meta.get_field("title").max_length
TASK_DESCRIPTION_MAX = Task._meta.get_field("description").max_length
TASK_FIELDS = ("title", "description", "priority", "due_date", "position")


def _require_role(*, project: Project, actor: User, role: str, action: str) -> str:
    current = member_role(project=project, user=actor)
    if not role_at_least(current, role):
        raise PermissionDenied(f"Only a project {role} or above may {action}.")
    return current  # type: ignore[return-value]  # role_at_least() is False for no role


# Two projects named alike at the same moment: the slug chosen for both is taken by the first.
SLUG_RACE = {"projects_project_slug_key": "Another project with this name was created at the same moment. Try again."}
MEMBER_RACE = {"projectmember_unique": "Already a member of this project."}


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    return unique_slug(name, among=Project.objects.all(), fallback="project", exclude_id=exclude_id)


def _room_for(*, room_id: int | None, user: User) -> Room | None:
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
    require_verified_email(owner)
    _check_repo_url(repo_url)
    with conflict_on(SLUG_RACE):
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
    send_signal_on_commit(signals.project_created, sender=Project, project=project, owner=owner)
    return project


@transaction.atomic
def project_update(*, project: Project, actor: User, data: dict) -> Project:
    require_verified_email(actor)
    _require_role(project=project, actor=actor, role=ProjectRole.MAINTAINER, action="edit the project")
    values = {name: data[name] for name in (*PROJECT_FIELDS, "repo_url") if name in data}
    if "name" in data:
        values["slug"] = _unique_slug(data["name"], exclude_id=project.pk)
    if "room" in data:
        values["room"] = _room_for(room_id=data["room"], user=actor)
    if "repo_url" in data:
        _check_repo_url(data["repo_url"])
    if "github_token" in data:
        values["github_token_encrypted"] = encrypt_secret(data["github_token"])
    with conflict_on(SLUG_RACE):  # renamed at the same moment as another project took the name
        changed = model_update(instance=project, fields=values.keys(), data=values, touch="updated_at")
    if "required_skills" in data:
        project.required_skills.set(skills_named(data["required_skills"]))
    if "visibility" in changed:  # made private: watchers who are not members lose the socket
        live.access_changed(project.pk)
    return project


@transaction.atomic
def project_delete(*, project: Project, actor: User) -> None:
    _require_role(project=project, actor=actor, role=ProjectRole.OWNER, action="delete the project")
    _delete_project(project)


def _delete_project(project: Project) -> None:
    project_id = project.pk
    project.delete()
    live.project_deleted(project_id)


@transaction.atomic
def project_delete_by_staff(*, project: Project) -> None:
    """Admin: staff delete any project; its watchers are told like after the owner's delete."""
    _delete_project(project)


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
    with conflict_on(MEMBER_RACE):  # added twice at once (two maintainers accepting the same request)
        member = ProjectMember.objects.create(project=project, user=user, role=role)
    # Accepting a join request says so, so listeners can tell "added" from "request accepted".
    via_request = {"join_request": join_request} if join_request is not None else {}
    send_signal_on_commit(
        signals.member_added, sender=ProjectMember, project=project, user=user, role=role, added_by=actor, **via_request
    )
    live.member_changed(member, "member.added")
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
        live.member_changed(member, "member.updated")
    return member


@transaction.atomic
def member_remove(*, project: Project, actor: User, member: ProjectMember) -> None:
    if member.role == ProjectRole.OWNER:
        raise ValidationError({"user": ["The owner cannot leave; delete the project instead."]})
    if member.user_id != actor.pk:  # anybody may leave; removing others is management
        _check_may_manage(project=project, actor=actor, role=member.role)
    _remove_member(project, member)


def _remove_member(project: Project, member: ProjectMember) -> None:
    unassigned = list(Task.objects.filter(project=project, assignee_id=member.user_id))
    Task.objects.filter(pk__in=[task.pk for task in unassigned]).update(assignee=None)
    member.delete()
    live.member_changed(member, "member.removed")
    for task in unassigned:
        live.task_changed(task, "task.updated")


# --- tasks -----------------------------------------------------------------------------------


def _assignee_for(*, project: Project, assignee_id: int | None) -> User | None:
    if assignee_id is None:
        return None
    member = ProjectMember.objects.filter(project=project, user_id=assignee_id).select_related("user").first()
    if member is None:
        raise ValidationError({"assignee": ["The assignee must be a member of the project."]})
    return member.user


def _take_task_number(project_id: int) -> int:
    # The row lock serialises concurrent creators, so numbers neither repeat nor skip.
    locked = Project.objects.select_for_update().only("id", "next_task_number").get(pk=project_id)
    Project.objects.filter(pk=project_id).update(next_task_number=F("next_task_number") + 1)
    return locked.next_task_number


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
    source_message: Message | None = None,
) -> Task:
    require_verified_email(actor)
    _require_role(project=project, actor=actor, role=ProjectRole.DEVELOPER, action="create tasks")
    assignee = _assignee_for(project=project, assignee_id=assignee_id)
    task = Task.objects.create(
        project=project,
        number=_take_task_number(project.pk),
        title=title,
        description=description,
        status=status,
        priority=priority,
        assignee=assignee,
        due_date=due_date,
        position=position,
        created_by=actor,
        source_message=source_message,
    )
    _set_labels(task, labels)
    live.task_changed(task, "task.created")
    send_signal_on_commit(signals.task_created, sender=Task, task=task, actor=actor)
    if assignee is not None:
        send_signal_on_commit(signals.task_assigned, sender=Task, task=task, assignee=assignee, assigned_by=actor)
    return task


@transaction.atomic
def task_update(*, task: Task, actor: User, data: dict) -> Task:
    _require_role(project=task.project, actor=actor, role=ProjectRole.DEVELOPER, action="edit tasks")
    old_status, old_assignee_id = task.status, task.assignee_id
    values = {name: data[name] for name in (*TASK_FIELDS, "status") if name in data}
    if "assignee" in data:
        values["assignee"] = _assignee_for(project=task.project, assignee_id=data["assignee"])
    changed = model_update(instance=task, fields=values.keys(), data=values, touch="updated_at")
    if "labels" in data:
        _set_labels(task, data["labels"])
    if changed or "labels" in data:
        live.task_changed(task, "task.updated")
    if task.assignee_id is not None and task.assignee_id != old_assignee_id:
        send_signal_on_commit(signals.task_assigned, sender=Task, task=task, assignee=task.assignee, assigned_by=actor)
    if task.status != old_status:
        _announce_status_change(task, old_status=old_status, actor=actor)
    return task


def _announce_status_change(task: Task, *, old_status: str, actor: User | None) -> None:
    """task_status_changed after commit; actor None when a commit message closed the task."""
    send_signal_on_commit(
        signals.task_status_changed, sender=Task, task=task, old_status=old_status, new_status=task.status, actor=actor
    )


@transaction.atomic
def task_delete(*, task: Task, actor: User) -> None:
    _require_role(project=task.project, actor=actor, role=ProjectRole.DEVELOPER, action="delete tasks")
    _delete_task(task)


def _delete_task(task: Task) -> None:
    payload = live.task_payload(task)
    task.delete()
    live.task_changed(task, "task.deleted", payload)


# --- admin (staff act on any project; watchers hear about it like any other change) ---------------


@transaction.atomic
def project_save_by_staff(*, project: Project, changed_fields: Iterable[str]) -> Project:
    project.save()
    if "visibility" in changed_fields:
        live.access_changed(project.pk)
    return project


@transaction.atomic
def task_save_by_staff(*, task: Task) -> Task:
    """A task edited or added in the admin; a new one gets the project's next number."""
    created = task.pk is None
    if created:
        task.number = _take_task_number(task.project_id)
    task.save()
    live.task_changed(task, "task.created" if created else "task.updated")
    return task


@transaction.atomic
def task_delete_by_staff(*, task: Task) -> None:
    _delete_task(task)


@transaction.atomic
def member_save_by_staff(*, member: ProjectMember) -> ProjectMember:
    created = member.pk is None
    member.save()
    if created:
        project, user = member.project, member.user
        send_signal_on_commit(
            signals.member_added, sender=ProjectMember, project=project, user=user, role=member.role, added_by=None
        )
    live.member_changed(member, "member.added" if created else "member.updated")
    return member


@transaction.atomic
def member_remove_by_staff(*, member: ProjectMember) -> None:
    _remove_member(member.project, member)


# --- tasks from chat ----------------------------------------------------------------------------


def project_for_room(*, room: Room, actor: User) -> Project:
    """The project a room's chat writes tasks to: the one linked to it (Project.room).

    With several linked projects, the one the actor may write to; it must be unambiguous.
    """
    linked = projects_linked_to_room(room_id=room.pk, user=actor)
    if not linked:
        raise ValidationError({"project": ["No project is linked to this room."]})
    if len(linked) == 1:
        return linked[0]
    writable = [project for project in linked if role_at_least(project.my_role, ProjectRole.DEVELOPER)]  # type: ignore[attr-defined]  # annotated by _with_list_data
    if not writable:
        raise PermissionDenied("Only a project developer or above may create tasks.")
    if len(writable) > 1:
        names = ", ".join(project.name for project in writable)
        raise ValidationError({"project": [f"Several projects use this room ({names}): say which one."]})
    return writable[0]


def _title_from(content: str) -> str:
    first_line = next((line for line in content.splitlines() if line.strip()), "")
    title = " ".join(first_line.split())
    return title if len(title) <= TASK_TITLE_MAX else title[: TASK_TITLE_MAX - 1] + "…"  # type: ignore[operator]  # the title column has a max_length


@transaction.atomic
def task_from_message(
    *, actor: User, room_id: int, message_id: int, project_id: int | None = None, title: str | None = None
) -> tuple[Task, bool]:
    """Turn a chat message into a task: its text becomes the description, the task keeps `source_message`.

    The project is `project_id` (visible to the actor) or else the room's linked project. Asking again
    for a message that is already a task of that project returns that task: (task, False).
    """
    room = room_get_for_member(room_id=room_id, user=actor)
    message = message_get(room=room, message_id=message_id)
    if message.is_deleted:
        raise ValidationError({"message": ["This message was deleted."]})
    if project_id is not None:
        project = project_get_for_user(project_id=project_id, user=actor)
    else:
        project = project_for_room(room=room, actor=actor)
    existing = Task.objects.filter(project=project, source_message=message).order_by("id").first()
    if existing is not None:
        return existing, False
    title = (title or "").strip() or _title_from(message.content)
    if not title:
        raise ValidationError({"title": ["This message has no text: give the task a title."]})
    description = message.content
    if message.kind == MessageKind.CODE:
        description = f"```{message.code_language}\n{message.content}\n```"
    description = description[:TASK_DESCRIPTION_MAX]
    task = task_create(project=project, actor=actor, title=title, description=description, source_message=message)
    if project.room_id == room.pk:  # only the project's own room hears about it: no leak into other rooms
        system_message_post(
            room=room,
            content=f"{actor.handle} turned a message into task #{task.number}: {title}",
            data={"task": {"project": project.pk, "number": task.number}, "message": message.pk, "by": actor.pk},
        )
    return task, True


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
    live.sync_changed(project.pk)
    transaction.on_commit(partial(sync_project.delay, project.pk))
    return project


def _set_sync_state(project_id: int, status: str, **fields: Any) -> None:
    Project.objects.filter(pk=project_id).update(sync_status=status, **fields)
    live.sync_changed(project_id)


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
    commits_record(project=project, commits=snapshot.commits, branch=snapshot.default_branch)
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
def commits_record(*, project: Project, commits: list[CommitData], branch: str = "") -> list[Commit]:
    """Store commits not seen before (unique per project and sha) and close the tasks they name.

    Idempotent: a commit already stored is skipped entirely, so a re-sync or a redelivered push
    neither duplicates rows nor moves a task that was reopened since. Watchers of the project get
    `commit.new` (and `task.updated` for each closed task); the project's room gets system messages.
    """
    known = set(Commit.objects.filter(project=project, sha__in=[c.sha for c in commits]).values_list("sha", flat=True))
    fresh = list({c.sha: c for c in commits if c.sha not in known}.values())
    if not fresh:
        return []
    authors = _users_by_email(c.author_email for c in fresh)
    numbers = {n for n in (_closed_task_number(c.message) for c in fresh) if n is not None}
    tasks = {t.number: t for t in Task.objects.select_for_update().filter(project=project, number__in=numbers)}
    stored, closed = [], []
    # Oldest first, so when several commits name one task the earliest closes it.
    for data in sorted(fresh, key=lambda c: (c.committed_at is None, c.committed_at or 0)):
        task = tasks.get(_closed_task_number(data.message))  # type: ignore[arg-type]  # no number finds no task
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
        live.commit_new(commit)
        if task is None:
            continue
        send_signal_on_commit(signals.commit_linked, sender=Commit, commit=commit, task=task, user=author)
        if task.status != TaskStatus.DONE:
            old_status, task.status = task.status, TaskStatus.DONE
            task.save(update_fields=["status", "updated_at"])
            live.task_changed(task, "task.updated")
            closed.append((task, commit))
            _announce_status_change(task, old_status=old_status, actor=None)
    _tell_room_about_commits(project, stored, closed, branch)
    return stored


def _tell_room_about_commits(project: Project, stored: list[Commit], closed: list, branch: str) -> None:
    """ "3 new commits on main", then "task #12 closed by abc1234" for each task a commit closed."""
    room = Room.objects.filter(pk=project.room_id).first() if project.room_id else None
    if room is None or not stored:
        return
    count = len(stored)
    where = f" on {branch}" if branch else ""
    system_message_post(
        room=room,
        content=f"{count} new commit{'s' if count != 1 else ''}{where}",
        data={
            "commits": {
                "project": project.pk,
                "count": count,
                "branch": branch,
                "shas": [commit.sha for commit in stored[-MAX_SHAS_IN_MESSAGE:]],
            }
        },
    )
    for task, commit in closed:
        system_message_post(
            room=room,
            content=f"task #{task.number} closed by {commit.sha[:7]}",
            data={"task": {"project": project.pk, "number": task.number}, "commit": commit.sha},
        )


def webhook_foreign_repository(*, project: Project, repository: str | None) -> str | None:
    """Why a delivery about `repository` is not this project's business, or None when it is.

    A webhook secret may be shared across repositories (organisation hooks): a signed push for
    another repository must not close this project's tasks. Projects without a linked repository
    take what their hook sends, as before.
    """
    expected = repo_full_name(project.repo_url)
    if expected is None or (repository or "").lower() == expected.lower():
        return None
    return f"repository {repository or '(none)'} is not this project's ({expected}): ignored"


@transaction.atomic
def webhook_delivery_record(
    *,
    project: Project,
    delivery_id: str,
    event: str,
    commits: list[CommitData] | None = None,
    branch: str = "",
    ignore_reason: str | None = None,
) -> tuple[WebhookDelivery, bool]:
    """Log a verified delivery and process it once; (delivery, False) when it was seen before.

    With `ignore_reason` the delivery is only logged (outcome ignored, the reason as detail).
    """
    existing = WebhookDelivery.objects.filter(project=project, delivery_id=delivery_id).first()
    if existing is not None:
        return existing, False
    if ignore_reason:
        outcome, detail = DeliveryOutcome.IGNORED, ignore_reason[:500]
    elif event == "push":
        stored = commits_record(project=project, commits=commits or [], branch=branch)
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
    require_verified_email(user)
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
    send_signal_on_commit(signals.join_request_created, sender=ProjectJoinRequest, join_request=join_request)
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
    send_signal_on_commit(
        signals.join_request_accepted, sender=ProjectJoinRequest, join_request=join_request, accepted_by=actor
    )
    return join_request


@transaction.atomic
def join_request_decline(*, project: Project, actor: User, request_id: int) -> ProjectJoinRequest:
    join_request = _pending_request_locked(
        project=project, actor=actor, request_id=request_id, action="decline join requests"
    )
    _decide(join_request, status=JoinRequestStatus.DECLINED, actor=actor)
    return join_request
