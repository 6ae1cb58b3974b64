from django.contrib import admin

from notifications.models import DigestLog, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "verb", "actor", "message", "is_read", "created_at"]
    list_filter = ["verb", "is_read"]
    search_fields = ["recipient__handle", "recipient__email", "message"]
    raw_id_fields = ["recipient", "actor"]
    list_select_related = ["recipient", "actor"]
    ordering = ["-id"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_digest", "muted_verbs", "updated_at"]
    list_filter = ["email_digest"]
    search_fields = ["user__handle", "user__email"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ["user", "period", "period_start", "notification_count", "post_count", "sent_at"]
    list_filter = ["period"]
    search_fields = ["user__handle", "user__email"]
    raw_id_fields = ["user"]
    list_select_related = ["user"]
    date_hierarchy = "period_start"
