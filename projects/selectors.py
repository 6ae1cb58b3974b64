"""Reads of the projects app: visibility, roles, lists at a fixed number of queries, skill matching.

Skill matching (used by `candidates/` and `users/me/matches/`)
------------------------------------------------------------
A project requires a set R of skills. A user's proficiency in a skill counts
beginner 1, intermediate 2, advanced 3, expert 4 (0 when the user lacks the skill). Then

    match_score = sum over r in R of weight(user, r) / (4 * |R|)

so 1.0 means "expert in every required skill", 0.5 "intermediate in all of them" or "expert in
half of them", and 0.0 no overlap (a project requiring nothing scores 0 for everyone: there is
nothing to match). Skills the project does not require neither help nor hurt. Both lists are
ordered by match_score descending, then newest user / project first, and computed in one SQL
aggregate over the user-skill / required-skill join, so a page costs a fixed number of queries.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from api.params import path_id
from codenest.errors import NotFound
from listing.rows import RowsWindow
from listing.shapes import QueryShapes
from projects.models import (
    Commit,
    JoinRequestStatus,
    Project,
    ProjectJoinRequest,
    ProjectMember,
    ProjectRole,
    ProjectStatus,
    Task,
    TaskLabel,
    TaskStatus,
    Visibility,
)
from projects.permissions import role_at_least
from users.models import Skill, User, UserSkill
from users.selectors import MAX_WEIGHT, PROFICIENCY_WEIGHT, user_summary_columns, with_skill_match
from users.types import Viewer, is_signed_in

# --- projects --------------------------------------------------------------------------------


def _member_ids_of(user: User) -> QuerySet:
    return ProjectMember.objects.filter(user=user).values("project_id")


def project_visible_filter(user: Viewer) -> Q:
    if not is_signed_in(user):
        return Q(visibility=Visibility.PUBLIC)
    return Q(visibility=Visibility.PUBLIC) | Q(pk__in=_member_ids_of(user))


def _with_list_data(projects: QuerySet[Project], user: Viewer) -> QuerySet[Project]:
    member_count = (
        ProjectMember.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(n=Count("id"))
        .values("n")
    )
    skills = Prefetch("required_skills", to_attr="required_skill_list")  # a list: no queryset per project
    projects = projects.select_related("owner").prefetch_related(skills)
    projects = projects.annotate(member_count=Coalesce(Subquery(member_count), 0))
    if is_signed_in(user):
        my_role = ProjectMember.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
        projects = projects.annotate(my_role=Subquery(my_role))
    else:
        projects = projects.annotate(my_role=Value(None, output_field=ProjectMember._meta.get_field("role")))
    return projects


def project_list(
    *,
    user: Viewer,
    skill: str | None = None,
    status: str | None = None,
    looking_for_members: bool | None = None,
    search: str | None = None,
) -> QuerySet[Project]:
    """Public projects plus the ones the user belongs to, newest first."""
    projects = Project.objects.filter(project_visible_filter(user))
    if skill:
        projects = projects.filter(required_skills__name__iexact=skill.strip())
    if status:
        projects = projects.filter(status=status)
    if looking_for_members is not None:
        projects = projects.filter(looking_for_members=looking_for_members)
    if search:
        projects = projects.filter(Q(name__icontains=search) | Q(description__icontains=search))
    # A skill filter joins one row per matching skill; name__iexact matches at most one skill.
    return _with_list_data(projects, user).order_by("-id")


# What project_data writes, read as .values() rows (no model instances).
PROJECT_ROW_FIELDS = (
    "id",
    "name",
    "slug",
    "description",
    "room_id",
    "repo_url",
    "visibility",
    "status",
    "looking_for_members",
    "member_count",
    "my_role",
    "github_full_name",
    "github_stars",
    "github_forks",
    "github_open_issues",
    "github_language",
    "github_default_branch",
    "last_synced_at",
    "sync_status",
    "sync_error",
    "github_token_encrypted",
    "created_at",
    *user_summary_columns("owner"),
)
_PROJECT_PAGES = QueryShapes()


def project_rows(
    *,
    user: Viewer,
    skill: str | None = None,
    status: str | None = None,
    looking_for_members: bool | None = None,
    search: str | None = None,
) -> RowsWindow:
    """project_list's rows for PagePagination as PROJECT_ROW_FIELDS dicts (their SQL compiled once per
    shape, listing.shapes); project_skills_of completes a page."""
    # Normalized here, as project_list would: the value given is the one that reaches the SQL.
    filters = {"skill": skill.strip() if skill else None, "status": status or None, "search": search or None}
    values: dict[str, Any] = {name: value for name, value in filters.items() if value is not None}
    if is_signed_in(user):
        values["user"] = user.pk

    def build(v: dict[str, Any]) -> QuerySet:
        viewer: Viewer = User(pk=v["user"]) if "user" in v else AnonymousUser()
        filtered = {name: v.get(name) for name in ("skill", "status", "search")}
        projects = project_list(user=viewer, looking_for_members=looking_for_members, **filtered)
        return projects.values(*PROJECT_ROW_FIELDS)

    return _PROJECT_PAGES.window(("projects", looking_for_members, *sorted(values)), values, build)


def project_skills_of(projects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `skill_names` (sorted) on a page of project rows: one statement, the one the skills prefetch
    runs, written as SQL (a queryset built and compiled for it cost more than reading the skills)."""
    by_id = {project["id"]: project for project in projects}
    for project in projects:
        project["skill_names"] = []
    if not by_id:
        return projects
    through = Project.required_skills.through._meta.db_table
    skill_table = connection.ops.quote_name(Skill._meta.db_table)
    marks = ", ".join(["%s"] * len(by_id))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ps.project_id, s.id, s.name FROM {skill_table} s JOIN {through} ps ON ps.skill_id = s.id "
            f"WHERE ps.project_id IN ({marks})",
            list(by_id),
        )
        for project_id, _skill_id, name in cursor.fetchall():
            by_id[project_id]["skill_names"].append(name)
    for project in projects:
        project["skill_names"].sort()
    return projects


def project_get_for_user(*, project_id: int, user: Viewer) -> Project:
    """The project with its list data if the user may see it; NotFound otherwise (private stays hidden)."""
    project = _with_list_data(Project.objects.filter(pk=path_id(project_id)), user).first()
    if project is None or (project.visibility == Visibility.PRIVATE and not project.my_role):  # type: ignore[attr-defined]  # annotated by _with_list_data
        raise NotFound("No such project.")
    return project


def projects_linked_to_room(*, room_id: int, user: Viewer) -> list[Project]:
    """The projects whose chat is this room, with the user's role (`my_role`), oldest first."""
    return list(_with_list_data(Project.objects.filter(room_id=room_id), user).order_by("id"))


def project_for_webhook(*, project_id: int) -> Project:
    """Any project by id: the webhook proves its right to it with the signature, not with a user."""
    project = Project.objects.filter(pk=path_id(project_id)).first()
    if project is None:
        raise NotFound("No such project.")
    return project


def project_get_detail(*, project_id: int, user: Viewer) -> Project:
    project = project_get_for_user(project_id=project_id, user=user)
    project.member_list = list(project_members(project=project))  # type: ignore[attr-defined]  # set for the serializer
    rows = Task.objects.filter(project=project).order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    project.task_counts = {choice: counts.get(choice, 0) for choice in TaskStatus.values}  # type: ignore[attr-defined]  # set for the serializer
    return project


def member_role(*, project: Project, user: Viewer) -> str | None:
    """The user's role in the project, from the annotation when the project came from a selector."""
    if not is_signed_in(user):
        return None
    if hasattr(project, "my_role"):
        return project.my_role
    return ProjectMember.objects.filter(project=project, user=user).values_list("role", flat=True).first()


def project_members(*, project: Project) -> QuerySet[ProjectMember]:
    return ProjectMember.objects.filter(project=project).select_related("user").order_by("id")


def project_member_get(*, project: Project, user_id: int) -> ProjectMember:
    member = project_members(project=project).filter(user_id=path_id(user_id)).first()
    if member is None:
        raise NotFound("No such member.")
    return member


def projects_to_resync() -> QuerySet[Project]:
    return Project.objects.exclude(repo_url="").exclude(status=ProjectStatus.ARCHIVED).order_by("id")


# --- tasks -----------------------------------------------------------------------------------

# A plain list (`label_list`): no queryset per task, which costs more than the labels themselves.
_labels_prefetch = Prefetch("task_labels", queryset=TaskLabel.objects.order_by("id"), to_attr="label_list")


def task_list(
    *, project: Project, status: str | None = None, assignee: int | None = None, label: str | None = None
) -> QuerySet[Task]:
    tasks = Task.objects.filter(project=project).select_related("assignee").prefetch_related(_labels_prefetch)
    if status:
        tasks = tasks.filter(status=status)
    if assignee is not None:
        tasks = tasks.filter(assignee_id=assignee)
    if label:
        tasks = tasks.filter(Exists(TaskLabel.objects.filter(task=OuterRef("pk"), name=label.strip().lower())))
    return tasks.order_by("number")


# What task_data writes, read as .values() rows (no model instances).
TASK_ROW_FIELDS = (
    "id",
    "number",
    "project_id",
    "title",
    "description",
    "status",
    "priority",
    "due_date",
    "position",
    "source_message_id",
    "created_at",
    "updated_at",
    *user_summary_columns("assignee"),
)
_TASK_PAGES = QueryShapes()
_VISIBLE_PROJECTS = QueryShapes()


def project_check_visible(*, project_id: int, user: Viewer) -> Project:
    """The project for reading its tasks: only its id, NotFound when the user may not see it (what
    project_get_for_user decides, in one statement compiled once per shape instead of two)."""
    values = {"project": path_id(project_id)} | ({"user": user.pk} if is_signed_in(user) else {})

    def build(v: dict[str, Any]) -> QuerySet:
        viewer: Viewer = User(pk=v["user"]) if "user" in v else AnonymousUser()
        return Project.objects.filter(project_visible_filter(viewer), pk=v["project"]).values("id")[:1]

    if not _VISIBLE_PROJECTS.rows(("visible", is_signed_in(user)), values, build):
        raise NotFound("No such project.")
    return Project(pk=values["project"])


def task_rows(
    *, project: Project, status: str | None = None, assignee: int | None = None, label: str | None = None
) -> RowsWindow:
    """task_list's rows for PagePagination as TASK_ROW_FIELDS dicts (their SQL compiled once per shape,
    listing.shapes); task_labels_of completes a page."""
    # Normalized here, as task_list would: the value given is the one that reaches the SQL.
    filters = {"status": status or None, "assignee": assignee, "label": label.strip().lower() if label else None}
    values = {"project": project.pk} | {name: value for name, value in filters.items() if value is not None}

    def build(v: dict[str, Any]) -> QuerySet:
        tasks = task_list(
            project=Project(pk=v["project"]), status=v.get("status"), assignee=v.get("assignee"), label=v.get("label")
        )
        return tasks.values(*TASK_ROW_FIELDS)

    return _TASK_PAGES.window(("tasks", *sorted(values)), values, build)


def task_labels_of(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `label_names` on a page of task rows: one statement, the one the label prefetch runs, written as
    SQL (a queryset built and compiled for it cost more than reading the labels)."""
    by_id = {task["id"]: task for task in tasks}
    for task in tasks:
        task["label_names"] = []
    if not by_id:
        return tasks
    table = connection.ops.quote_name(TaskLabel._meta.db_table)
    marks = ", ".join(["%s"] * len(by_id))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT task_id, name FROM {table} WHERE task_id IN ({marks}) ORDER BY id", list(by_id))
        for task_id, name in cursor.fetchall():
            by_id[task_id]["label_names"].append(name)
    return tasks


def task_get(*, project: Project, number: int) -> Task:
    task = task_list(project=project).filter(number=path_id(number)).first()
    if task is None:
        raise NotFound("No such task.")
    task.project = project  # keeps the viewer's role annotation for the permission checks
    return task


def task_board(*, project: Project) -> dict[str, list[Task]]:
    board: dict[str, list[Task]] = {choice: [] for choice in TaskStatus.values}
    for task in task_list(project=project).order_by("status", "position", "number"):
        board[task.status].append(task)
    return board


def commit_list(*, project: Project) -> QuerySet[Commit]:
    return Commit.objects.filter(project=project).select_related("author", "task").order_by("-committed_at", "-id")


# --- skill matching --------------------------------------------------------------------------


def _score(raw: str | F, required_count: str) -> Case:
    """raw / (MAX_WEIGHT * required_count), 0 when nothing is required."""
    return Case(
        When(
            **{f"{required_count}__gt": 0},
            then=Cast(raw, FloatField()) / (Cast(F(required_count), FloatField()) * MAX_WEIGHT),
        ),
        default=Value(0.0),
        output_field=FloatField(),
    )


def users_by_skill_match(*, users: QuerySet[User], required_skill_ids: list[int]) -> QuerySet[User]:
    """`users` with `match_score` against `required_skill_ids` and their skills, best match first.

    The one candidate ranking (users.selectors.with_skill_match, the scoring shared with people/),
    used by projects/{id}/candidates/ and hackathons' candidates/, so both rank people the same way.
    """
    users = with_skill_match(users, skill_ids=list(required_skill_ids))
    skills = Prefetch("user_skills", queryset=UserSkill.objects.select_related("skill").order_by("skill__name"))
    return users.prefetch_related(skills).order_by("-match_score", "-id")  # type: ignore[misc]  # match_score is an annotation


def project_candidates(*, project: Project) -> QuerySet[User]:
    """Users looking to collaborate who are not members yet, best match first (formula: module docstring)."""
    users = User.objects.filter(looking_to_collaborate=True, is_active=True).exclude(
        pk__in=ProjectMember.objects.filter(project=project).values("user_id")
    )
    required_ids = list(project.required_skills.values_list("id", flat=True))
    return users_by_skill_match(users=users, required_skill_ids=required_ids)


def project_matches_for(*, user: User) -> QuerySet[Project]:
    """Open public projects looking for members that the user is not in, best match first."""
    mine = {row.skill_id: row.proficiency for row in UserSkill.objects.filter(user=user)}
    weight = Case(
        *[
            When(
                required_skills__in=[skill for skill, level in mine.items() if level == proficiency], then=Value(points)
            )
            for proficiency, points in PROFICIENCY_WEIGHT.items()
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    projects = (
        Project.objects.filter(visibility=Visibility.PUBLIC, status=ProjectStatus.ACTIVE, looking_for_members=True)
        .exclude(pk__in=_member_ids_of(user))
        .annotate(raw_score=Coalesce(Sum(weight), 0), required_count=Count("required_skills"))
    )
    projects = projects.annotate(match_score=_score(F("raw_score"), "required_count"))
    return _with_list_data(projects, user).order_by("-match_score", "-id")  # type: ignore[misc]  # match_score is an annotation


# --- join requests ---------------------------------------------------------------------------


def join_request_list(*, project: Project, viewer: Viewer, status: str | None = None) -> QuerySet[ProjectJoinRequest]:
    """A project's join requests for its owner and maintainers (others: PermissionDenied), pending first."""
    if not role_at_least(member_role(project=project, user=viewer), ProjectRole.MAINTAINER):
        raise PermissionDenied("Only the owner and maintainers see join requests.")
    requests = ProjectJoinRequest.objects.filter(project=project).select_related("user", "decided_by")
    if status:
        requests = requests.filter(status=status)
    pending_first = Case(When(status=JoinRequestStatus.PENDING, then=Value(0)), default=Value(1))
    return requests.order_by(pending_first, "-id")
