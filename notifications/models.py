from django.conf import settings
from django.db import models
from django.utils import timezone


class Verb(models.TextChoices):
    COMMENT = "comment"
    REPLY = "reply"
    MENTION = "mention"
    FOLLOW = "follow"
    ROOM_INVITE = "room_invite"
    PROJECT_MEMBER_ADDED = "project_member_added"
    TASK_ASSIGNED = "task_assigned"
    BADGE_AWARDED = "badge_awarded"
    # Wave 2: direct messages, events, hackathons and join requests.
    DIRECT_MESSAGE = "direct_message"
    MESSAGE_REQUEST = "message_request"
    EVENT_LOCKED = "event_locked"
    EVENT_CANCELLED = "event_cancelled"
    EVENT_REMINDER = "event_reminder"
    JOIN_REQUEST = "join_request"
    JOIN_REQUEST_ACCEPTED = "join_request_accepted"
    HACKATHON_RESULT = "hackathon_result"


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=30, choices=Verb.choices)
    message = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    target_type = models.CharField(max_length=30, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Verb-specific extras a client needs without another request (an invite's code, a badge's code).
    data = models.JSONField(default=dict, blank=True)
    is_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="notif_recipient_newest_idx"),
            models.Index(fields=["recipient", "is_read"], name="notif_recipient_read_idx"),
        ]

    def __str__(self):
        return f"{self.verb} for {self.recipient_id}: {self.message}"


class DigestPeriod(models.TextChoices):
    DAILY = "daily"
    WEEKLY = "weekly"


class EmailDigest(models.TextChoices):
    OFF = "off"
    DAILY = "daily"
    WEEKLY = "weekly"


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="notification_preference"
    )
    email_digest = models.CharField(max_length=10, choices=EmailDigest.choices, default=EmailDigest.OFF, db_index=True)
    muted_verbs = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"preferences of {self.user_id}"


class DigestLog(models.Model):
    """One row per digest sent: the unique key is what makes a digest go out once per period."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_logs")
    period = models.CharField(max_length=10, choices=DigestPeriod.choices)
    period_start = models.DateTimeField()
    notification_count = models.PositiveIntegerField(default=0)
    post_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "period_start"], name="digestlog_once_per_period"),
        ]

    def __str__(self):
        return f"{self.period} digest for {self.user_id} from {self.period_start:%Y-%m-%d}"
