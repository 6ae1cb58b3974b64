"""Events in the Django admin. Writes go through events.services (row lock, notifications, live
frames): the event's own fields are saved by event_create / event_update, cancelling is an action,
and slots, votes and tasks are shown read-only here (their rules live in the services and the API)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from events import services
from events.models import (
    EVENT_FIELDS,
    MAX_DURATION_MINUTES,
    MIN_DURATION_MINUTES,
    Event,
    EventStatus,
    EventTask,
    Slot,
    Vote,
)
from rooms.selectors import is_room_member


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SlotInline(ReadOnlyInline):
    model = Slot
    fields = ["starts_at"]
    ordering = ["starts_at"]


class EventTaskInline(ReadOnlyInline):
    model = EventTask
    fields = ["title", "status", "assigned_to"]


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


class EventAdminForm(forms.ModelForm):
    """The services' rules as form errors, so a bad value is shown on the form instead of failing the save."""

    duration_minutes = forms.IntegerField(min_value=MIN_DURATION_MINUTES, max_value=MAX_DURATION_MINUTES)

    class Meta:
        model = Event
        fields = ["title", "description", "room", "created_by", "location", "duration_minutes"]

    def clean(self):
        data = super().clean()
        if self.instance.pk is None:
            creator, room = data.get("created_by"), data.get("room")
            if creator is None:
                self.add_error("created_by", "Choose who creates the event.")
            elif room is not None and not is_room_member(room_id=room.pk, user=creator):
                self.add_error("created_by", "The creator must be a member of the room.")
        return data


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    form = EventAdminForm
    list_display = ["title", "room", "created_by", "status", "locked_slot", "reminder_sent_at", "created_at"]
    list_filter = ["status", HasRoomFilter, "created_at", "locked_at"]
    list_select_related = ["room", "created_by", "locked_slot"]
    search_fields = ["title", "slug", "description", "location"]
    raw_id_fields = ["room", "created_by"]
    readonly_fields = ["slug", "status", "locked_slot", "locked_at", "reminder_sent_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [SlotInline, EventTaskInline]
    actions = ["cancel_events"]

    def get_readonly_fields(self, request, obj=None):
        # Room and creator are chosen once, at creation.
        return [*self.readonly_fields, "room", "created_by"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            data = {field: form.cleaned_data[field] for field in EVENT_FIELDS if field in form.changed_data}
            saved = services.event_update(event=obj, actor=request.user, data=data)
        else:
            saved = services.event_create(
                creator=obj.created_by,
                title=obj.title,
                room=obj.room,
                description=obj.description,
                location=obj.location,
                duration_minutes=obj.duration_minutes,
            )
        obj.pk, obj.slug = saved.pk, saved.slug

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


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["slot", "user", "answer", "updated_at"]
    list_filter = ["answer"]
    list_select_related = ["slot", "user"]
    search_fields = ["user__handle", "slot__event__title"]


@admin.register(EventTask)
class EventTaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "event", "status", "assigned_to", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["event", "assigned_to"]
    search_fields = ["title", "event__title"]
