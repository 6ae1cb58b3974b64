"""Multipart file uploads with a hard size cap, shared by every endpoint that takes a file.

The cap is enforced twice, both before the body is held in memory: a Content-Length larger than
the cap (plus room for the multipart envelope) is refused before parsing, and an upload handler
counts the bytes as they stream to a temporary file and stops at the cap (chunked bodies, lying
Content-Length). Under ASGI, codenest.media.UploadSizeLimitMiddleware already refused oversized
bodies by their header before Django read them.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from rest_framework.parsers import MultiPartParser

from codenest.errors import PayloadTooLarge

# The multipart envelope around the file: boundaries, part headers, a long file name.
MULTIPART_SLACK = 64 * 1024


class _FileTooLarge(Exception):
    pass


class MaxBytesUploadHandler(FileUploadHandler):
    """Counts the bytes of every file in the request and stops the upload past `max_bytes`."""

    def __init__(self, request=None, *, max_bytes: int):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            raise _FileTooLarge()
        return raw_data

    def file_complete(self, file_size):
        return None


class LimitedMultiPartParser(MultiPartParser):
    """MultiPartParser whose files stream to disk and may not exceed `max_bytes_setting`."""

    max_bytes_setting = "UPLOAD_MAX_BYTES"

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        max_bytes = getattr(settings, self.max_bytes_setting)
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > max_bytes + MULTIPART_SLACK:
            raise PayloadTooLarge(max_bytes)
        django_request = request._request
        django_request.upload_handlers = [
            MaxBytesUploadHandler(django_request, max_bytes=max_bytes),
            TemporaryFileUploadHandler(django_request),
        ]
        try:
            return super().parse(stream, media_type, parser_context)
        except _FileTooLarge:
            raise PayloadTooLarge(max_bytes) from None


class AvatarMultiPartParser(LimitedMultiPartParser):
    max_bytes_setting = "AVATAR_MAX_BYTES"
