from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers import id_field
from uploads.access import signed_url
from uploads.models import LinkPreview, Upload


class UploadSerializer(serializers.ModelSerializer):
    """An upload with short-lived signed URLs: only put it in payloads for those who may read it."""

    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "url", "name", "size", "content_type", "width", "height", "thumbnail_url", "created_at"]
        read_only_fields = fields

    def get_url(self, upload) -> str:
        return signed_url(upload)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, upload) -> str | None:
        return signed_url(upload, variant="thumb") if upload.thumbnail else None


class UploadCreateSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, max_length=None, use_url=False)


class LinkPreviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = LinkPreview
        fields = ["url", "title", "description", "image_url", "site_name"]
        read_only_fields = fields


class UploadIdsField(serializers.ListField):
    """A list of upload ids (deduplicated by the service)."""

    child = id_field()

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
