from django.conf import settings
from django.db import models
from django.db.models import Q

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
LOCATION_MAX_LENGTH = 200
MAX_SLOTS_PER_EVENT = 50
MIN_DURATION_MINUTES, MAX_DURATION_MINUTES = 5, 7 * 24 * 60
DEFAULT_DURATION_MINUTES = 60
# What an event's creator or moderators may edit after creation (status changes have their own services).
EVENT_FIELDS = ("title", "description", "location", "duration_minutes")


class EventStatus(models.TextChoices):
    DRAFT = "draft"
    LOCKED = "locked"
    CANCELLED = "cancelled"


class Answer(models.TextChoices):
    YES = "yes"
    MAYBE = "maybe"


class EventTaskStatus(models.TextChoices):
    TODO = "todo"
    DOING = "doing"
    DONE = "done"


class Event(models.Model):
    """A time-slot poll, standalone or in a room (then it is visible exactly where the room is)."""

    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    slug = models.SlugField(max_length=220, unique=True)
    description = models.TextField(max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, null=True, blank=True, related_name="events")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="created_events"
    )
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT)
    location = models.CharField(max_length=LOCATION_MAX_LENGTH, blank=True)
    duration_minutes = models.PositiveIntegerField(default=DEFAULT_DURATION_MINUTES)
    # RESTRICT, not SET_NULL: a locked event never loses its slot, yet deleting the event (and with it
    # its slots) stays possible.
    locked_slot = models.ForeignKey("events.Slot", on_delete=models.RESTRICT, null=True, blank=True, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)
    # Claimed by one conditional UPDATE: the reminder goes out once however many tasks run.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=EventStatus.LOCKED) | Q(locked_slot__isnull=False), name="event_locked_has_slot"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=MIN_DURATION_MINUTES, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="event_duration_range",
            ),
            models.CheckConstraint(condition=Q(status__in=EventStatus.values), name="event_status_valid"),
        ]
        indexes = [
            models.Index(fields=["room", "-id"], name="event_room_newest_idx"),
            models.Index(fields=["status", "-id"], name="event_status_newest_idx"),
            # The reminder task's scan: locked events still waiting for their reminder.
            models.Index(
                fields=["locked_slot"],
                condition=Q(status=EventStatus.LOCKED, reminder_sent_at__isnull=True),
                name="event_reminder_due_idx",
            ),
        ]

    def __str__(self):
        return self.title


class Slot(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "starts_at"], name="slot_unique_start_per_event")]
        indexes = [models.Index(fields=["starts_at"], name="slot_starts_at_idx")]

    def __str__(self):
        return f"{self.event_id} at {self.starts_at:%Y-%m-%d %H:%M}Z"


class Vote(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_votes")
    answer = models.CharField(max_length=5, choices=Answer.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "user"], name="vote_one_per_user_and_slot"),
            models.CheckConstraint(condition=Q(answer__in=Answer.values), name="vote_answer_valid"),
        ]

    def __str__(self):
        return f"{self.user_id} {self.answer} on {self.slot_id}"


class EventTask(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    status = models.CharField(max_length=10, choices=EventTaskStatus.choices, default=EventTaskStatus.TODO)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="event_tasks"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=EventTaskStatus.values), name="eventtask_status_valid")
        ]
        indexes = [models.Index(fields=["event", "status"], name="eventtask_event_status_idx")]

    def __str__(self):
        return self.title
