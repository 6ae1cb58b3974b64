from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from events import services
from events.models import Event, EventStatus, EventTask, Slot, Vote


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    fields = ["starts_at"]
    ordering = ["starts_at"]


class EventTaskInline(admin.TabularInline):
    model = EventTask
    extra = 0
    fields = ["title", "status", "assigned_to"]
    raw_id_fields = ["assigned_to"]


class HasRoomFilter(admin.SimpleListFilter):
    title = "where"
    parameter_name = "in_room"

    def lookups(self, request, model_admin):
        return [("yes", "In a room"), ("no", "Standalone")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(room__isnull=False)
        if self.value() == "no":
            return queryset.filter(room__isnull=True)
        return queryset


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "room", "created_by", "status", "locked_slot", "reminder_sent_at", "created_at"]
    list_filter = ["status", HasRoomFilter, "created_at", "locked_at"]
    list_select_related = ["room", "created_by", "locked_slot"]
    search_fields = ["title", "slug", "description", "location"]
    raw_id_fields = ["room", "created_by"]
    # State changes go through the services (row lock, notifications, live frames): not editable here.
    readonly_fields = ["slug", "status", "locked_slot", "locked_at", "reminder_sent_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [SlotInline, EventTaskInline]
    actions = ["cancel_events"]

    @admin.action(description="Cancel selected events (voters are notified)")
    def cancel_events(self, request, queryset):
        cancelled = 0
        for event in queryset.exclude(status=EventStatus.CANCELLED):
            try:
                services.event_cancel(event=event, actor=request.user)
                cancelled += 1
            except (PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{event}: {exc}", messages.ERROR)
        self.message_user(request, f"{cancelled} event(s) cancelled.", messages.SUCCESS)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = ["slot", "user", "answer", "updated_at"]
    list_filter = ["answer"]
    list_select_related = ["slot", "user"]
    search_fields = ["user__handle", "slot__event__title"]
    raw_id_fields = ["slot", "user"]


@admin.register(EventTask)
class EventTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "status", "assigned_to", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["event", "assigned_to"]
    search_fields = ["title", "event__title"]
    raw_id_fields = ["event", "assigned_to", "created_by"]
