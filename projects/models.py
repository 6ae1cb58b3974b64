import secrets

from django.conf import settings
from django.db import models


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class Visibility(models.TextChoices):
    PUBLIC = "public"
    PRIVATE = "private"


class ProjectStatus(models.TextChoices):
    ACTIVE = "active"
    ARCHIVED = "archived"
    COMPLETED = "completed"


class SyncStatus(models.TextChoices):
    NEVER = "never"
    QUEUED = "queued"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"


class Project(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(max_length=5000, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="owned_projects")
    room = models.ForeignKey("rooms.Room", on_delete=models.SET_NULL, null=True, blank=True, related_name="projects")
    repo_url = models.URLField(max_length=300, blank=True)
    visibility = models.CharField(max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC)
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.ACTIVE)
    required_skills = models.ManyToManyField("users.Skill", blank=True, related_name="projects")
    looking_for_members = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Taken under a row lock by services.task_create: task numbers never repeat or skip.
    next_task_number = models.PositiveIntegerField(default=1)
    webhook_secret = models.CharField(max_length=64, default=new_webhook_secret)
    # Fernet ciphertext (projects.crypto); the plain token exists only while a sync runs.
    github_token_encrypted = models.TextField(blank=True)
    # Repository metadata as of the last successful sync.
    github_full_name = models.CharField(max_length=200, blank=True)
    github_stars = models.PositiveIntegerField(default=0)
    github_forks = models.PositiveIntegerField(default=0)
    github_open_issues = models.PositiveIntegerField(default=0)
    github_language = models.CharField(max_length=100, blank=True)
    github_default_branch = models.CharField(max_length=200, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    sync_status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.NEVER)
    sync_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["visibility", "-id"], name="project_visibility_idx"),
            models.Index(fields=["status", "-id"], name="project_status_idx"),
            models.Index(fields=["looking_for_members", "visibility", "status"], name="project_looking_idx"),
        ]

    def __str__(self):
        return self.name


class ProjectRole(models.TextChoices):
    OWNER = "owner"
    MAINTAINER = "maintainer"
    DEVELOPER = "developer"
    VIEWER = "viewer"


# Higher rank includes every right of the lower ones.
ROLE_RANK = {ProjectRole.VIEWER: 1, ProjectRole.DEVELOPER: 2, ProjectRole.MAINTAINER: 3, ProjectRole.OWNER: 4}


class ProjectMember(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_memberships")
    role = models.CharField(max_length=10, choices=ProjectRole.choices, default=ProjectRole.DEVELOPER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="projectmember_unique")]
        indexes = [models.Index(fields=["user", "project"], name="projectmember_user_idx")]

    def __str__(self):
        return f"{self.user} in {self.project} ({self.role})"


class TaskStatus(models.TextChoices):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    DONE = "done"


class TaskPriority(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=10000, blank=True)
    status = models.CharField(max_length=12, choices=TaskStatus.choices, default=TaskStatus.TODO)
    priority = models.CharField(max_length=8, choices=TaskPriority.choices, default=TaskPriority.MEDIUM)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_tasks"
    )
    due_date = models.DateField(null=True, blank=True)
    position = models.IntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The chat message this task was made from (POST rooms/{id}/messages/{mid}/task/).
    source_message = models.ForeignKey(
        "rooms.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["project", "number"], name="task_project_number_unique")]
        indexes = [
            models.Index(fields=["project", "status", "position"], name="task_board_idx"),
            models.Index(fields=["project", "assignee"], name="task_assignee_idx"),
        ]

    def __str__(self):
        return f"#{self.number} {self.title}"


class TaskLabel(models.Model):
    """One label of a task: a row per label so `?label=` is an indexed lookup on every database."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="task_labels")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["task", "name"], name="tasklabel_unique")]
        indexes = [models.Index(fields=["name", "task"], name="tasklabel_name_idx")]

    def __str__(self):
        return self.name


class Commit(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="commits")
    sha = models.CharField(max_length=40)
    message = models.TextField()
    author_name = models.CharField(max_length=200, blank=True)
    # Used to match a user; never sent to clients.
    author_email = models.CharField(max_length=254, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    url = models.URLField(max_length=500, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="commits")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-committed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["project", "sha"], name="commit_project_sha_unique")]
        indexes = [models.Index(fields=["project", "-committed_at", "-id"], name="commit_project_time_idx")]

    def __str__(self):
        return self.sha[:7]


class DeliveryOutcome(models.TextChoices):
    PROCESSED = "processed"
    IGNORED = "ignored"


class WebhookDelivery(models.Model):
    """A short log of verified GitHub webhook deliveries; the unique id makes redelivery a no-op."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="webhook_deliveries")
    delivery_id = models.CharField(max_length=100)
    event = models.CharField(max_length=50)
    outcome = models.CharField(max_length=10, choices=DeliveryOutcome.choices)
    detail = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["project", "delivery_id"], name="webhookdelivery_unique"),
        ]

    def __str__(self):
        return f"{self.event} {self.delivery_id}"


# --- join requests -----------------------------------------------------------------------------


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class ProjectJoinRequest(models.Model):
    """A non-member asks to join; the owner or a maintainer accepts (as developer) or declines."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="project_join_requests")
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                condition=models.Q(status="pending"),
                name="projectjoinrequest_one_pending",
            ),
        ]
        indexes = [models.Index(fields=["project", "status", "-id"], name="projectjoinrequest_list_idx")]

    def __str__(self):
        return f"{self.user} → {self.project} ({self.status})"
