from django.conf import settings
from django.db import models


class Room(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    is_public = models.BooleanField(default=True, db_index=True)
    is_archived = models.BooleanField(default=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["user", "room"], name="membership_user_room_idx")]

    def __str__(self):
        return f"{self.user} in {self.room} ({self.role})"

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.OWNER, Role.MODERATOR)
