from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.output import date_data, datetime_data
from api.serializers import id_field
from projects.models import (
    Commit,
    JoinRequestStatus,
    Project,
    ProjectJoinRequest,
    ProjectMember,
    ProjectRole,
    ProjectStatus,
    SyncStatus,
    Task,
    TaskPriority,
    TaskStatus,
    Visibility,
)
from projects.permissions import role_at_least
from users.serializers import UserSkillSerializer, UserSummarySerializer, user_summary_of_row

ASSIGNABLE_ROLES = [ProjectRole.MAINTAINER.value, ProjectRole.DEVELOPER.value, ProjectRole.VIEWER.value]


class SkillNameField(serializers.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=50, **kwargs)

    def to_internal_value(self, data):
        value = " ".join(super().to_internal_value(data).split()).lower()
        if not value:
            raise serializers.ValidationError("A skill needs a name.")
        return value


class LabelField(SkillNameField):
    pass


# --- output ----------------------------------------------------------------------------------


class GitHubInfoSerializer(serializers.Serializer):
    full_name = serializers.CharField(source="github_full_name")
    stars = serializers.IntegerField(source="github_stars")
    forks = serializers.IntegerField(source="github_forks")
    open_issues = serializers.IntegerField(source="github_open_issues")
    language = serializers.CharField(source="github_language")
    default_branch = serializers.CharField(source="github_default_branch")
    last_synced_at = serializers.DateTimeField(allow_null=True)
    sync_status = serializers.ChoiceField(choices=SyncStatus.choices)
    sync_error = serializers.CharField()


class ProjectSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True)
    room = serializers.IntegerField(source="room_id", allow_null=True, read_only=True)
    repo_url = serializers.CharField(read_only=True)  # "" when unlinked: not a "uri" in the schema
    required_skills = serializers.SerializerMethodField()
    member_count = serializers.IntegerField(read_only=True)
    my_role = serializers.ChoiceField(choices=ProjectRole.choices, allow_null=True, read_only=True)
    github = GitHubInfoSerializer(source="*", read_only=True)
    has_github_token = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "name", "slug", "description", "owner", "room", "repo_url", "visibility", "status",
            "required_skills", "looking_for_members", "member_count", "my_role", "github", "has_github_token",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_required_skills(self, project) -> list[str]:
        return _required_skill_names(project)

    def get_has_github_token(self, project) -> bool:
        return bool(project.github_token_encrypted)


def _required_skill_names(project) -> list[str]:
    # projects.selectors prefetches them as a list (`required_skill_list`): no queryset per project.
    skills = getattr(project, "required_skill_list", None)
    return sorted(skill.name for skill in (project.required_skills.all() if skills is None else skills))


def project_data(project: dict) -> dict:
    """ProjectSerializer's output, written out for the project list from a row of
    projects.selectors.project_rows completed by project_skills_of (tests/projects/test_list_output.py
    holds the two to the same bytes)."""
    return {
        "id": project["id"],
        "name": project["name"],
        "slug": project["slug"],
        "description": project["description"],
        "owner": user_summary_of_row(project, "owner"),
        "room": project["room_id"],
        "repo_url": project["repo_url"],
        "visibility": project["visibility"],
        "status": project["status"],
        "required_skills": project["skill_names"],
        "looking_for_members": project["looking_for_members"],
        "member_count": project["member_count"],
        "my_role": project["my_role"],
        "github": {
            "full_name": project["github_full_name"],
            "stars": project["github_stars"],
            "forks": project["github_forks"],
            "open_issues": project["github_open_issues"],
            "language": project["github_language"],
            "default_branch": project["github_default_branch"],
            "last_synced_at": datetime_data(project["last_synced_at"]),
            "sync_status": project["sync_status"],
            "sync_error": project["sync_error"],
        },
        "has_github_token": bool(project["github_token_encrypted"]),
        "created_at": datetime_data(project["created_at"]),
    }


class ProjectMemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = ProjectMember
        fields = ["user", "role", "joined_at"]
        read_only_fields = fields


class TaskCountsSerializer(serializers.Serializer):
    todo = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    review = serializers.IntegerField()
    done = serializers.IntegerField()


class ProjectDetailSerializer(ProjectSerializer):
    members = ProjectMemberSerializer(source="member_list", many=True, read_only=True)
    task_counts = TaskCountsSerializer(read_only=True)
    webhook_url = serializers.SerializerMethodField()
    webhook_secret = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "members", "task_counts", "webhook_url", "webhook_secret"]
        read_only_fields = fields

    def _manages(self, project) -> bool:
        return role_at_least(project.my_role, ProjectRole.MAINTAINER)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_url(self, project) -> str | None:
        if not self._manages(project):
            return None
        path = reverse("project-github-webhook", kwargs={"version": "v1", "pk": project.pk})
        return settings.SITE_URL.rstrip("/") + path

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_secret(self, project) -> str | None:
        return project.webhook_secret if self._manages(project) else None


class ProjectMatchSerializer(ProjectSerializer):
    match_score = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "match_score"]
        read_only_fields = fields

    def get_match_score(self, project) -> float:
        return round(project.match_score or 0.0, 4)


class CandidateSerializer(UserSummarySerializer):
    skills = UserSkillSerializer(source="user_skills", many=True, read_only=True)
    match_score = serializers.SerializerMethodField()

    class Meta(UserSummarySerializer.Meta):
        fields = [*UserSummarySerializer.Meta.fields, "skills", "match_score"]
        read_only_fields = fields

    def get_match_score(self, user) -> float:
        return round(user.match_score or 0.0, 4)


class TaskSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    labels = serializers.SerializerMethodField()
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    source_message = serializers.IntegerField(
        source="source_message_id", read_only=True, allow_null=True, help_text="The chat message it was made from."
    )

    class Meta:
        model = Task
        fields = [
            "id", "number", "project", "title", "description", "status", "priority", "labels", "assignee",
            "due_date", "position", "source_message", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_labels(self, task) -> list[str]:
        return _label_names(task)


def _label_names(task) -> list[str]:
    # projects.selectors.task_list prefetches them as a list (`label_list`): no queryset per task.
    labels = getattr(task, "label_list", None)
    return [label.name for label in (task.task_labels.all() if labels is None else labels)]


def task_data(task: dict) -> dict:
    """TaskSerializer's output, written out for the task list from a row of projects.selectors.task_rows
    completed by task_labels_of (tests/projects/test_list_output.py holds the two to the same bytes)."""
    return {
        "id": task["id"],
        "number": task["number"],
        "project": task["project_id"],
        "title": task["title"],
        "description": task["description"],
        "status": task["status"],
        "priority": task["priority"],
        "labels": task["label_names"],
        "assignee": user_summary_of_row(task, "assignee"),
        "due_date": date_data(task["due_date"]),
        "position": task["position"],
        "source_message": task["source_message_id"],
        "created_at": datetime_data(task["created_at"]),
        "updated_at": datetime_data(task["updated_at"]),
    }


class BoardSerializer(serializers.Serializer):
    todo = TaskSerializer(many=True)
    in_progress = TaskSerializer(many=True)
    review = TaskSerializer(many=True)
    done = TaskSerializer(many=True)


class CommitSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    task = serializers.SerializerMethodField()

    class Meta:
        model = Commit
        fields = ["sha", "message", "author_name", "author", "url", "committed_at", "task"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_task(self, commit) -> int | None:
        """The number of the task this commit closed (numbers are what people write in messages)."""
        return commit.task.number if commit.task_id else None


class SyncQueuedSerializer(serializers.Serializer):
    sync_status = serializers.CharField()


class WebhookResultSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["processed", "ignored", "duplicate"])
    event = serializers.CharField()
    detail = serializers.CharField()


# --- input -----------------------------------------------------------------------------------


class ProjectWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, trim_whitespace=False)
    room = id_field(allow_null=True, required=False)
    repo_url = serializers.URLField(max_length=300, allow_blank=True, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    required_skills = serializers.ListField(child=SkillNameField(), max_length=30, required=False)
    looking_for_members = serializers.BooleanField(required=False)
    github_token = serializers.CharField(
        max_length=255, allow_blank=True, required=False, write_only=True, help_text="Stored encrypted; never returned."
    )


class MemberAddSerializer(serializers.Serializer):
    user = id_field()
    role = serializers.ChoiceField(choices=ASSIGNABLE_ROLES, default="developer")


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ASSIGNABLE_ROLES)


class TaskWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, allow_blank=True, required=False, trim_whitespace=False)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    priority = serializers.ChoiceField(choices=TaskPriority.choices, required=False)
    labels = serializers.ListField(child=LabelField(), max_length=20, required=False)
    assignee = id_field(allow_null=True, required=False)
    due_date = serializers.DateField(allow_null=True, required=False)
    position = serializers.IntegerField(min_value=-1_000_000_000, max_value=1_000_000_000, required=False)


class MessageTaskSerializer(serializers.Serializer):
    project = id_field(required=False, allow_null=True, help_text="Default: the project linked to the room.")
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Default: the message's first line."
    )


class TaskFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    assignee = id_field(required=False)
    label = serializers.CharField(max_length=50, required=False)  # type: ignore[assignment]  # a field named "label"


class ProjectFilterSerializer(serializers.Serializer):
    skill = serializers.CharField(max_length=50, required=False)
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)
    looking_for_members = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(max_length=100, required=False)


# --- GitHub push payload (only what we use) ----------------------------------------------------


class PushAuthorSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    email = serializers.CharField(max_length=254, allow_blank=True, required=False, allow_null=True, default="")


class PushCommitSerializer(serializers.Serializer):
    id = serializers.RegexField(r"^[0-9a-f]{40}$")
    message = serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=100_000)
    timestamp = serializers.DateTimeField(required=False, allow_null=True, default=None)
    url = serializers.URLField(max_length=500, allow_blank=True, required=False, default="")
    author = PushAuthorSerializer(required=False, default=dict)


class PushPayloadSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=255, required=False)
    commits = PushCommitSerializer(many=True, max_length=2048)  # type: ignore[call-arg]  # ListSerializer takes max_length


# --- join requests ---------------------------------------------------------------------------


class ProjectJoinRequestSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id", read_only=True)
    user = UserSummarySerializer(read_only=True)
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = ProjectJoinRequest
        fields = ["id", "project", "user", "message", "status", "created_at", "decided_at", "decided_by"]
        read_only_fields = fields


class ProjectJoinRequestWriteSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class ProjectJoinRequestFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices, required=False)
