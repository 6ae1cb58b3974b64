"""REST endpoints of uploads, and the file view behind the signed URLs."""

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.files import LimitedMultiPartParser
from uploads import services
from uploads.access import signature_valid, uploads_visible_to
from uploads.models import Upload
from uploads.serializers import UploadCreateSerializer, UploadSerializer

MAX_ID = 2**62


class UploadViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UploadSerializer
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [LimitedMultiPartParser]
    write_rate_limits = {"create": "RATELIMIT_UPLOADS"}  # api/throttling.py
    lookup_value_regex = r"\d+"  # uploads/abc/ is a 404 like any unknown path (int() below: no 500)

    def get_queryset(self):
        return uploads_visible_to(self.request.user)

    def get_object(self):
        if int(self.kwargs["pk"]) > MAX_ID:
            raise Http404
        return super().get_object()

    @extend_schema(
        request={"multipart/form-data": UploadCreateSerializer},
        responses={
            201: UploadSerializer,
            413: OpenApiResponse(description="The file is larger than UPLOAD_MAX_BYTES."),
            415: OpenApiResponse(description="Not a multipart/form-data body."),
        },
        summary="Upload a file (multipart field `file`)",
    )
    def create(self, request, *args, **kwargs):
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise ValidationError({"file": ["No file was submitted (multipart field `file`)."]})
        upload = services.upload_create(owner=request.user, fileobj=uploaded, name=uploaded.name or "")
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None, 409: OpenApiResponse(description="The file is in use.")})
    def destroy(self, request, *args, **kwargs):
        upload = self.get_object()
        services.upload_delete(upload=upload, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@require_GET
def upload_file(request, pk: int, name: str):
    """Serve a stored file to whoever holds a valid, unexpired signed URL for it.

    Images (re-encoded by us) are shown inline; everything else is a download with nosniff and a
    sandboxing CSP, so an HTML or SVG body can never run in our origin.
    """
    variant = request.GET.get("v", "file")
    if pk > MAX_ID or not signature_valid(
        upload_id=pk, variant=variant, expires=request.GET.get("e", ""), signature=request.GET.get("s", "")
    ):
        raise Http404
    upload = Upload.objects.filter(pk=pk).first()
    if upload is None or (variant == "thumb" and not upload.thumbnail):
        raise Http404
    field = upload.thumbnail if variant == "thumb" else upload.file
    try:
        handle = default_storage.open(field.name, "rb")  # type: ignore[arg-type]  # a stored upload has a file name
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=upload.content_type)
    response["Content-Disposition"] = content_disposition_header(not upload.is_image, upload.name)  # type: ignore[assignment]  # a stored upload has a name
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
