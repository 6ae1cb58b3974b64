from django.conf import settings
from django.db import models
from django.utils import timezone

from codenest.media import IMAGE_FORMATS

NAME_MAX_LENGTH = 255
KEY_MAX_LENGTH = 300


class Upload(models.Model):
    """A stored file. Where it is used (message attachments, post images) lives with the user of it."""

    # An erased account's files that something still uses stay, unowned.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="uploads"
    )
    file = models.FileField(max_length=KEY_MAX_LENGTH)
    thumbnail = models.FileField(max_length=KEY_MAX_LENGTH, blank=True)
    name = models.CharField(max_length=NAME_MAX_LENGTH)
    size = models.PositiveBigIntegerField()
    # Sniffed from the bytes; never the client's claim.
    content_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="upload_owner_idx"),
            models.Index(fields=["created_at"], name="upload_created_idx"),
        ]

    def __str__(self):
        return f"{self.name} ({self.content_type}, {self.size} B)"

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_FORMATS


class LinkPreview(models.Model):
    """What a page says about itself, fetched at most once per URL per day and shared by every user of it."""

    url = models.URLField(max_length=2000)
    url_hash = models.CharField(max_length=64)
    fetched_on = models.DateField()
    ok = models.BooleanField(default=False)
    title = models.CharField(max_length=300, blank=True)
    description = models.CharField(max_length=1000, blank=True)
    image_url = models.URLField(max_length=2000, blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["url_hash", "fetched_on"], name="linkpreview_url_day_unique")]
        indexes = [models.Index(fields=["fetched_on"], name="linkpreview_day_idx")]

    def __str__(self):
        return self.url
