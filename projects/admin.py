from django.contrib import admin

from projects import services
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

    # Writes go through the services, so the project's sockets hear about admin changes too.
    def save_model(self, request, obj, form, change):
        services.project_save_by_staff(project=obj, changed_fields=form.changed_data if change else [])

    def delete_model(self, request, obj):
        services.project_delete_by_staff(project=obj)

    def delete_queryset(self, request, queryset):
        for project in queryset:
            services.project_delete_by_staff(project=project)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProjectMember:
            return super().save_formset(request, form, formset, change)
        members = formset.save(commit=False)
        for member in formset.deleted_objects:
            services.member_remove_by_staff(member=member)
        for member in members:
            services.member_save_by_staff(member=member)
        return None


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "title", "status", "priority", "assignee"]
    list_filter = ["status", "priority"]
    search_fields = ["title"]
    raw_id_fields = ["project", "assignee", "created_by", "source_message"]
    readonly_fields = ["number"]

    # Through the services: a new task is numbered like any other, and the board's sockets are told.
    def save_model(self, request, obj, form, change):
        services.task_save_by_staff(task=obj)

    def delete_model(self, request, obj):
        services.task_delete_by_staff(task=obj)

    def delete_queryset(self, request, queryset):
        for task in queryset:
            services.task_delete_by_staff(task=task)


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
