from django.contrib import admin

from uploads.models import LinkPreview, Upload


@admin.register(Upload)
class UploadAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "owner", "content_type", "size", "width", "height", "created_at"]
    list_filter = ["content_type"]
    search_fields = ["name", "owner__handle"]
    raw_id_fields = ["owner"]
    readonly_fields = ["file", "thumbnail", "size", "content_type", "width", "height", "created_at"]


@admin.register(LinkPreview)
class LinkPreviewAdmin(admin.ModelAdmin):
    list_display = ["id", "url", "fetched_on", "ok", "title", "site_name"]
    list_filter = ["ok", "fetched_on"]
    search_fields = ["url", "title"]
    readonly_fields = ["url_hash", "fetched_at"]
