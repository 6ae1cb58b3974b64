"""PUT/DELETE users/me/avatar/: an uploaded image becomes a 256x256 PNG under an unguessable public name."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.files import AvatarMultiPartParser
from codenest import media
from users.models import User

logger = logging.getLogger(__name__)


def delete_avatar_file(url: str) -> None:
    key = media.avatar_key_from_url(url or "")
    if key:
        try:
            default_storage.delete(key)
        except Exception:  # the new avatar is in place; a stale file must not fail the request
            logger.exception("Could not delete old avatar %s", key)


def user_set_avatar(*, user: User, fileobj) -> User:
    try:
        media.check_size(media.file_size(fileobj), max_bytes=settings.AVATAR_MAX_BYTES)
        data = media.process_avatar(fileobj, max_pixels=settings.IMAGE_MAX_PIXELS)
    except media.MediaError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    key = default_storage.save(media.avatar_key(), ContentFile(data))
    try:
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=user.pk)
            old = user.avatar
            user.avatar = media.avatar_url(key)
            user.save(update_fields=["avatar"])
            transaction.on_commit(lambda: delete_avatar_file(old), robust=True)
    except BaseException:
        default_storage.delete(key)
        raise
    return user


@transaction.atomic
def user_clear_avatar(*, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    old = user.avatar
    if old:
        user.avatar = ""
        user.save(update_fields=["avatar"])
        transaction.on_commit(lambda: delete_avatar_file(old), robust=True)
    return user


class AvatarUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)


class AvatarSerializer(serializers.Serializer):
    avatar = serializers.CharField(help_text="The avatar's URL, or an empty string.")


class AvatarView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [AvatarMultiPartParser]
    write_rate_limits = {"put": "RATELIMIT_UPLOADS"}  # api/throttling.py

    @extend_schema(
        request={"multipart/form-data": AvatarUploadSerializer},
        responses={
            200: AvatarSerializer,
            413: OpenApiResponse(description="Larger than AVATAR_MAX_BYTES."),
            415: OpenApiResponse(description="Not a multipart/form-data body."),
        },
        summary="Set my avatar (an image, re-encoded as a 256x256 PNG)",
    )
    def put(self, request, *args, **kwargs):
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise serializers.ValidationError({"file": ["No file was submitted (multipart field `file`)."]})
        user = user_set_avatar(user=request.user, fileobj=uploaded)
        return Response({"avatar": user.avatar})

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        user_clear_avatar(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
