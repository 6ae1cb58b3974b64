from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Badge(models.Model):
    """The catalogue is data (see migrations/0002): the rule awarding a badge is found by its code."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300)
    icon = models.CharField(max_length=50, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["position", "id"], name="badge_position_idx")]

    def __str__(self):
        return self.name


class UserBadge(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_badges")
    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="awards")
    awarded_at = models.DateTimeField(default=timezone.now)
    # Set once the client has shown the "badge earned" pop-up; null means pending.
    shown_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["awarded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "badge"], name="userbadge_once_per_user")]
        indexes = [
            models.Index(fields=["user", "awarded_at", "id"], name="userbadge_user_awarded_idx"),
            models.Index(
                fields=["user", "awarded_at", "id"],
                condition=Q(shown_at__isnull=True),
                name="userbadge_user_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.user} earned {self.badge}"


class ActivityDay(models.Model):
    """One row per user and UTC day: what the period leaderboards add up.

    `contributions` counts posts, comments, chat messages and task status changes made that day;
    `karma` is the net karma received that day (a withdrawn vote subtracts on the day it is withdrawn).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_days")
    day = models.DateField()
    contributions = models.PositiveIntegerField(default=0)
    karma = models.IntegerField(default=0)

    class Meta:
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="activityday_user_day_unique")]
        indexes = [models.Index(fields=["day", "user"], name="activityday_day_user_idx")]

    def __str__(self):
        return f"{self.user} on {self.day}: {self.contributions} contributions, {self.karma:+d} karma"
