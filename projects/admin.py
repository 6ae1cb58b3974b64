from django.contrib import admin

from projects.models import Commit, Project, ProjectJoinRequest, ProjectMember, ProjectRole, Task, WebhookDelivery


class ProjectMemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "visibility", "status", "looking_for_members", "sync_status", "last_synced_at"]
    list_filter = ["visibility", "status", "sync_status"]
    search_fields = ["name", "slug", "repo_url"]
    raw_id_fields = ["owner", "room"]
    filter_horizontal = ["required_skills"]
    # The token is only ever written through the API (encrypted); the secret is shown, not edited here.
    exclude = ["github_token_encrypted"]
    readonly_fields = ["next_task_number", "webhook_secret", "sync_status", "sync_error", "last_synced_at"]
    inlines = [ProjectMemberInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "title", "status", "priority", "assignee"]
    list_filter = ["status", "priority"]
    search_fields = ["title"]
    raw_id_fields = ["project", "assignee", "created_by"]
    readonly_fields = ["number"]


@admin.register(Commit)
class CommitAdmin(admin.ModelAdmin):
    list_display = ["project", "sha", "author_name", "committed_at", "task"]
    search_fields = ["sha", "message"]
    raw_id_fields = ["project", "author", "task"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log. Staff who are not superusers see only their own projects' deliveries,
    and only as the project's owner or a maintainer."""

    list_display = ["received_at", "project", "event", "outcome", "delivery_id", "detail"]
    list_filter = ["event", "outcome"]
    search_fields = ["delivery_id"]
    readonly_fields = ["project", "delivery_id", "event", "outcome", "detail", "received_at"]

    def get_queryset(self, request):
        deliveries = super().get_queryset(request).select_related("project")
        if request.user.is_superuser:
            return deliveries
        return deliveries.filter(
            project__members__user=request.user,
            project__members__role__in=[ProjectRole.OWNER, ProjectRole.MAINTAINER],
        )

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProjectJoinRequest)
class ProjectJoinRequestAdmin(admin.ModelAdmin):
    """Read-only log: requests are decided by the project's managers through the API (services)."""

    list_display = ["project", "user", "status", "created_at", "decided_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["project__name", "user__handle"]
    raw_id_fields = ["project", "user", "decided_by"]
    readonly_fields = ["project", "user", "message", "status", "created_at", "decided_at", "decided_by"]

    def has_add_permission(self, request):
        return False
