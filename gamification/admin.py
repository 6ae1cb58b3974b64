from django.contrib import admin
from django.db.models import Count

from gamification.models import ActivityDay, Badge, UserBadge


@admin.register(Badge)
class BadgeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "icon", "position", "awarded_count"]
    search_fields = ["code", "name"]
    ordering = ["position", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(awarded_count=Count("awards"))

    @admin.display(ordering="awarded_count")
    def awarded_count(self, badge):
        return badge.awarded_count


@admin.register(UserBadge)
class UserBadgeAdmin(admin.ModelAdmin):
    list_display = ["user", "badge", "awarded_at", "shown_at"]
    list_filter = ["badge"]
    list_select_related = ["user", "badge"]
    search_fields = ["user__handle", "badge__code"]
    autocomplete_fields = ["user", "badge"]
    date_hierarchy = "awarded_at"


@admin.register(ActivityDay)
class ActivityDayAdmin(admin.ModelAdmin):
    list_display = ["user", "day", "contributions", "karma"]
    list_select_related = ["user"]
    search_fields = ["user__handle"]
    raw_id_fields = ["user"]
    date_hierarchy = "day"
