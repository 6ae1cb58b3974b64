import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.output import datetime_data
from api.serializers import id_field
from posts.models import (
    COMMENT_CONTENT_MAX_LENGTH,
    POST_CONTENT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Comment,
    Post,
    PostKind,
    Report,
)
from uploads.serializers import LinkPreviewSerializer, UploadIdsField, UploadSerializer
from users.serializers import UserSummarySerializer, user_summary_of_row

MAX_TAGS = 5
TAG_RE = re.compile(r"^[a-z0-9][a-z0-9+#._-]{0,29}$")
REPORT_REASON_MAX_LENGTH = 1000


class StrictCharField(serializers.CharField):
    """A JSON string, not a number or boolean DRF would quietly turn into one."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def normalize_tag(value: str) -> str:
    return value.strip().lower()


class TagNameField(StrictCharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=30, **kwargs)

    def to_internal_value(self, data):
        value = normalize_tag(super().to_internal_value(data))
        if not TAG_RE.match(value):
            raise serializers.ValidationError("Tags are 1-30 letters, digits or + # . _ - characters.")
        return value


class PostSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)
    room = serializers.IntegerField(source="room_id", read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()
    previews = serializers.SerializerMethodField()
    my_vote = serializers.IntegerField(read_only=True, default=0)
    # "" when the post is not a link: documented as a plain string, since "" is not a valid `uri`.
    url = serializers.CharField(read_only=True, help_text="The link of a link post, else an empty string.")

    class Meta:
        model = Post
        fields = [
            "id",
            "author",
            "room",
            "title",
            "content",
            "kind",
            "code_language",
            "url",
            "tags",
            "score",
            "upvotes",
            "downvotes",
            "my_vote",
            "comment_count",
            "created_at",
            "edited_at",
            "images",
            "previews",
        ]
        read_only_fields = fields

    def get_tags(self, post) -> list[str]:
        return [tag.name for tag in post.tags.all()]

    @extend_schema_field(UploadSerializer(many=True))
    def get_images(self, post) -> list[dict]:
        return UploadSerializer(sorted(post.images.all(), key=lambda u: u.pk), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    @extend_schema_field(LinkPreviewSerializer(many=True))
    def get_previews(self, post) -> list[dict]:
        previews = [p for p in post.previews.all() if p.ok]
        return LinkPreviewSerializer(sorted(previews, key=lambda p: p.pk), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList


def post_data(post: dict) -> dict:
    """PostSerializer's output, written out for the lists (the feeds run it 20-100 times a page), from a
    post row (posts.selectors.POST_ROW_FIELDS) completed by posts.selectors.post_page_related.

    The serializer stays the schema and the single-post output; tests/posts/test_list_output.py
    holds the two to the same bytes.
    """
    return {
        "id": post["id"],
        "author": user_summary_of_row(post, "author"),
        "room": post["room_id"],
        "title": post["title"],
        "content": post["content"],
        "kind": post["kind"],
        "code_language": post["code_language"],
        "url": post["url"],
        "tags": post["tag_names"],
        "score": post["score"],
        "upvotes": post["upvotes"],
        "downvotes": post["downvotes"],
        "my_vote": post["my_vote"],
        "comment_count": post["comment_count"],
        "created_at": datetime_data(post["created_at"]),
        "edited_at": datetime_data(post["edited_at"]),
        "images": UploadSerializer(post["image_list"], many=True).data if post["image_list"] else [],
        "previews": LinkPreviewSerializer(post["preview_list"], many=True).data if post["preview_list"] else [],
    }


class CommentSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    post = serializers.IntegerField(source="post_id", read_only=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]  # a field named "parent"
    my_vote = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Comment
        fields = [
            "id",
            "post",
            "author",
            "parent",
            "depth",
            "content",
            "score",
            "my_vote",
            "created_at",
            "edited_at",
            "is_deleted",
        ]
        read_only_fields = fields

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if comment.is_deleted:
            # The thread keeps its shape; who wrote a removed comment is not shown.
            data["author"] = None
            data["content"] = ""
        return data


def comment_data(comment: dict) -> dict:
    """CommentSerializer's output, written out for the comment lists from a row of
    posts.selectors.comment_thread_page (held to the same bytes by tests)."""
    deleted = comment["is_deleted"]
    return {
        "id": comment["id"],
        "post": comment["post_id"],
        "author": None if deleted else user_summary_of_row(comment, "author"),
        "parent": comment["parent_id"],
        "depth": comment["depth"],
        "content": "" if deleted else comment["content"],
        "score": comment["score"],
        "my_vote": comment["my_vote"],
        "created_at": datetime_data(comment["created_at"]),
        "edited_at": datetime_data(comment["edited_at"]),
        "is_deleted": deleted,
    }


class PostDetailSerializer(PostSerializer):
    comments = CommentSerializer(many=True, read_only=True, source="first_comments")
    comments_next = serializers.CharField(read_only=True, allow_null=True, source="comments_next_link")

    class Meta(PostSerializer.Meta):
        fields = [*PostSerializer.Meta.fields, "comments", "comments_next"]
        read_only_fields = fields


class PostCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH)
    content = StrictCharField(max_length=POST_CONTENT_MAX_LENGTH, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=PostKind.choices, required=False, default=PostKind.TEXT)
    code_language = StrictCharField(max_length=30, required=False, allow_blank=True, default="")
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")
    tags = serializers.ListField(child=TagNameField(), max_length=MAX_TAGS, required=False, default=list)
    room = id_field(required=False, allow_null=True, default=None)
    images = UploadIdsField(help_text="Ids of your own image uploads (at most 10).")

    def validate(self, attrs):
        return validate_post_kind(attrs)


class PostUpdateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=TITLE_MAX_LENGTH, required=False)
    content = StrictCharField(max_length=POST_CONTENT_MAX_LENGTH, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=PostKind.choices, required=False)
    code_language = StrictCharField(max_length=30, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    tags = serializers.ListField(child=TagNameField(), max_length=MAX_TAGS, required=False)


def validate_post_kind(attrs: dict) -> dict:
    """The kind's own field is required: a link post needs `url`."""
    if attrs.get("kind") == PostKind.LINK and not attrs.get("url"):
        raise serializers.ValidationError({"url": ["A link post needs a url."]})
    return attrs


class CommentCreateSerializer(serializers.Serializer):
    content = StrictCharField(max_length=COMMENT_CONTENT_MAX_LENGTH)
    parent = id_field(required=False, allow_null=True, default=None)  # type: ignore[assignment]  # a field named "parent"


class CommentUpdateSerializer(serializers.Serializer):
    content = StrictCharField(max_length=COMMENT_CONTENT_MAX_LENGTH)


class VoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField(choices=[(1, "up"), (0, "withdraw"), (-1, "down")])

    def to_internal_value(self, data):
        # ChoiceField would take "1" and True for 1; a vote is a JSON integer.
        value = data.get("value") if isinstance(data, dict) else None
        if isinstance(value, bool) or not isinstance(value, int):
            raise serializers.ValidationError({"value": ["Must be 1, 0 or -1."]})
        return super().to_internal_value(data)


class ReportCreateSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=REPORT_REASON_MAX_LENGTH)


class ReportSerializer(serializers.ModelSerializer):
    target_type = serializers.CharField(read_only=True)
    target_id = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "target_type", "target_id", "reason", "status", "created_at"]
        read_only_fields = fields

    def get_target_id(self, report) -> int | None:
        return report.post_id or report.comment_id or report.message_id
