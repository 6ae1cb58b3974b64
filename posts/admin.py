from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from posts import services
from posts.models import Comment, Post, Report, ReportStatus, Tag, Vote


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "author", "room", "kind", "score", "comment_count", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["title", "author__handle"]
    raw_id_fields = ["author", "room"]
    autocomplete_fields = ["tags"]
    readonly_fields = ["score", "upvotes", "downvotes", "hot", "comment_count", "created_at", "edited_at"]
    exclude = ["search_vector"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "post", "author", "depth", "score", "is_deleted", "created_at"]
    list_filter = ["is_deleted"]
    search_fields = ["content", "author__handle"]
    raw_id_fields = ["post", "author", "parent"]
    readonly_fields = ["depth", "path", "score", "upvotes", "downvotes", "created_at", "edited_at"]


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Read-only: counters follow votes only through posts.services.vote_cast."""

    list_display = ["id", "user", "post", "comment", "value", "updated_at"]
    raw_id_fields = ["user", "post", "comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """The moderation queue: open reports first, with the reported text kept as it was."""

    list_display = ["id", "status", "target", "content_author", "reporter", "reason", "created_at"]
    list_filter = ["status"]
    search_fields = ["reason", "content_snapshot", "content_author__handle", "reporter__handle"]
    list_select_related = ["content_author", "reporter"]
    raw_id_fields = ["reporter", "post", "comment", "message", "content_author", "handled_by"]
    readonly_fields = ["created_at", "handled_by", "handled_at", "content_snapshot"]
    actions = ["resolve", "remove_content", "ban_author"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-id")

    @admin.display(description="target")
    def target(self, report):
        return f"{report.target_type} #{report.post_id or report.comment_id or report.message_id or '-'}"

    def _run(self, request, queryset, service, done: str):
        count = 0
        for report in queryset:
            try:
                service(report=report, moderator=request.user)
                count += 1
            except ValidationError as exc:
                self.message_user(request, f"Report #{report.pk}: {' '.join(exc.messages)}", messages.WARNING)
        self.message_user(request, f"{count} report(s) {done}.", messages.SUCCESS)

    @admin.action(description="Resolve (keep the content)")
    def resolve(self, request, queryset):
        self._run(request, queryset.filter(status=ReportStatus.OPEN), services.report_resolve, "resolved")

    @admin.action(description="Remove the reported content")
    def remove_content(self, request, queryset):
        self._run(request, queryset, services.report_remove_content, "handled, content removed")

    @admin.action(description="Ban the content's author")
    def ban_author(self, request, queryset):
        self._run(request, queryset, services.report_ban_author, "handled, author banned")
