from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

TITLE_MAX_LENGTH = 200
POST_CONTENT_MAX_LENGTH = 40000
COMMENT_CONTENT_MAX_LENGTH = 10000
MAX_COMMENT_DEPTH = 20
# A comment's path is its ancestors' ids and its own, each zero-padded to this width, so ordering by
# path (one indexed column) lists a whole post's thread with every reply right after its parent.
PATH_SEGMENT_WIDTH = 10


class PostKind(models.TextChoices):
    TEXT = "text"
    CODE = "code"
    LINK = "link"


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    room = models.ForeignKey("rooms.Room", on_delete=models.CASCADE, null=True, blank=True, related_name="posts")
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    content = models.TextField(max_length=POST_CONTENT_MAX_LENGTH, blank=True)
    kind = models.CharField(max_length=10, choices=PostKind.choices, default=PostKind.TEXT)
    code_language = models.CharField(max_length=30, blank=True)
    url = models.URLField(max_length=500, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="posts")
    # Images (uploads app) and link previews; readers of the post read them (uploads.access).
    images = models.ManyToManyField("uploads.Upload", blank=True, related_name="posts")
    previews = models.ManyToManyField("uploads.LinkPreview", blank=True, related_name="posts")
    # Denormalized, changed only with F() expressions inside the vote's / comment's transaction.
    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)
    # Reddit's time-invariant "hot" rank: log10 of the score plus creation time / 45000 s.
    hot = models.FloatField(default=0.0)
    # Set by posts.services (not auto_now_add) so `hot` can be computed from it before the insert.
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Kept by posts.services on PostgreSQL (stays NULL on SQLite, where search falls back to icontains).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["-hot", "-id"], name="post_hot_idx"),
            models.Index(fields=["-score", "-id"], name="post_score_idx"),
            models.Index(fields=["created_at"], name="post_created_idx"),
            models.Index(fields=["author", "-id"], name="post_author_idx"),
            models.Index(fields=["room", "-id"], name="post_room_idx"),
            GinIndex(fields=["search_vector"], name="post_search_gin"),
        ]

    def __str__(self):
        return self.title


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    path = models.CharField(max_length=(MAX_COMMENT_DEPTH + 1) * PATH_SEGMENT_WIDTH, editable=False)
    content = models.TextField(max_length=COMMENT_CONTENT_MAX_LENGTH, blank=True)
    score = models.IntegerField(default=0)
    upvotes = models.PositiveIntegerField(default=0)
    downvotes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["path"]
        indexes = [models.Index(fields=["post", "path"], name="comment_thread_idx")]

    def __str__(self):
        return f"comment #{self.pk} on post #{self.post_id}"


class Vote(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="votes")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="votes")
    # -1, 1, or 0 once withdrawn: the row stays so the next vote locks it instead of racing an insert.
    value = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], condition=Q(post__isnull=False), name="vote_user_post"),
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="vote_user_comment"
            ),
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True) | Q(post__isnull=True, comment__isnull=False),
                name="vote_one_target",
            ),
            models.CheckConstraint(condition=Q(value__in=[-1, 0, 1]), name="vote_value_range"),
        ]
        indexes = [
            models.Index(fields=["post"], name="vote_post_idx", condition=Q(post__isnull=False)),
            models.Index(fields=["comment"], name="vote_comment_idx", condition=Q(comment__isnull=False)),
        ]

    def __str__(self):
        return f"{self.user_id} {self.value:+d} on {'post' if self.post_id else 'comment'} {self.target_id}"

    @property
    def target_id(self) -> int:
        return self.post_id or self.comment_id  # type: ignore[return-value]  # a vote has a post or a comment (check constraint)


class ReportStatus(models.TextChoices):
    OPEN = "open"
    RESOLVED = "resolved"
    REMOVED = "removed"


class Report(models.Model):
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed")
    # The reported thing; SET_NULL so the queue keeps its history after the content is removed.
    post = models.ForeignKey(Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    comment = models.ForeignKey(Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    message = models.ForeignKey(
        "rooms.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    content_author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports_against"
    )
    content_snapshot = models.TextField(blank=True)
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="report_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "post"], condition=Q(status="open", post__isnull=False), name="report_open_post"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(status="open", comment__isnull=False),
                name="report_open_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "message"],
                condition=Q(status="open", message__isnull=False),
                name="report_open_message",
            ),
        ]

    def __str__(self):
        return f"report #{self.pk} ({self.status})"

    @property
    def target_type(self) -> str:
        if self.post_id:
            return "post"
        if self.comment_id:
            return "comment"
        if self.message_id:
            return "message"
        return "removed"
