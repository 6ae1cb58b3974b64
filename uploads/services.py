"""Every write of uploads: storing a file, deleting it, and the clean-up of files nothing uses.

Storage writes happen before the database row is written and are removed again if anything fails
afterwards, so a refused or failed upload leaves neither a row nor a file behind.
"""

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from api.exceptions import Conflict
from api.files import too_large
from codenest import media
from uploads.access import is_in_use, unused
from uploads.models import Upload
from users.models import User

logger = logging.getLogger(__name__)
UNUSED_GRACE = timedelta(days=1)


def _storage_key(extension: str, *, suffix: str = "") -> str:
    now = timezone.now()
    return f"uploads/{now:%Y/%m}/{uuid.uuid4().hex}{suffix}.{extension}"


def _delete_files(*keys: str | None) -> None:
    for key in keys:
        if key:
            try:
                default_storage.delete(key)
            except Exception:  # a missing file must not block deleting the row; log and go on
                logger.exception("Could not delete stored file %s", key)


def _quota_check(owner: User, extra: int) -> None:
    used = Upload.objects.filter(owner=owner).aggregate(total=Sum("size"))["total"] or 0
    if used + extra > settings.UPLOAD_QUOTA_BYTES:
        raise ValidationError(
            {"file": [f"Your storage quota of {settings.UPLOAD_QUOTA_BYTES} bytes is used up ({used} bytes stored)."]}
        )


def upload_create(*, owner: User, fileobj: File, name: str) -> Upload:
    """Sniff, check, re-encode (images) and store a file for `owner`."""
    size = media.file_size(fileobj)
    if size > settings.UPLOAD_MAX_BYTES:
        raise too_large(settings.UPLOAD_MAX_BYTES)
    try:
        media.check_size(size, max_bytes=settings.UPLOAD_MAX_BYTES)
        sniffed = media.sniff_file(fileobj)
        image = (
            media.process_image(fileobj, content_type=sniffed.content_type, max_pixels=settings.IMAGE_MAX_PIXELS)
            if sniffed.is_image
            else None
        )
    except media.MediaError as exc:
        raise ValidationError({"file": [str(exc)]}) from exc
    clean_name = media.clean_filename(name, extension=sniffed.extension if image else None)
    stored_size = len(image.data) if image else size
    with transaction.atomic():
        # One upload of a user at a time, so two parallel uploads cannot both squeeze under the quota.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        _quota_check(owner, stored_size)
        keys: list[str] = []
        try:
            if image:
                keys.append(default_storage.save(_storage_key(sniffed.extension), ContentFile(image.data)))
                keys.append(
                    default_storage.save(_storage_key(sniffed.extension, suffix="-thumb"), ContentFile(image.thumbnail))
                )
            else:
                fileobj.seek(0)
                keys.append(default_storage.save(_storage_key(sniffed.extension), File(fileobj)))
            return Upload.objects.create(
                owner=owner,
                file=keys[0],
                thumbnail=keys[1] if image else "",
                name=clean_name,
                size=stored_size,
                content_type=sniffed.content_type,
                width=image.width if image else None,
                height=image.height if image else None,
            )
        except BaseException:
            _delete_files(*keys)
            raise


def _delete(upload: Upload) -> None:
    keys = (upload.file.name, upload.thumbnail.name)
    upload.delete()
    transaction.on_commit(lambda: _delete_files(*keys), robust=True)


@transaction.atomic
def upload_delete(*, upload: Upload, actor: User) -> None:
    upload = Upload.objects.select_for_update().get(pk=upload.pk)
    if upload.owner_id != actor.pk:
        raise PermissionDenied("Only the owner can delete an upload.")
    if is_in_use(upload):
        raise Conflict("This file is in use (attached to a message or post) and cannot be deleted.")
    _delete(upload)


def uploads_delete_unused(*, older_than: timedelta = UNUSED_GRACE, batch: int = 500) -> int:
    """Delete uploads that nothing uses and that are older than `older_than`. Idempotent."""
    cutoff = timezone.now() - older_than
    deleted = 0
    while True:
        ids = list(unused(Upload.objects.filter(created_at__lt=cutoff)).values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            # Re-checked under lock: a message may have taken one of them since.
            for upload in unused(Upload.objects.select_for_update(of=("self",)).filter(pk__in=ids)):
                _delete(upload)
                deleted += 1
        if len(ids) < batch:
            return deleted


def uploads_erase_for_user(*, user_id: int) -> int:
    """An erased account: its uploads that nothing uses go (rows and files); the files its messages
    and posts still show stay, owned by nobody."""
    deleted = 0
    with transaction.atomic():
        for upload in unused(Upload.objects.select_for_update(of=("self",)).filter(owner_id=user_id)):
            _delete(upload)
            deleted += 1
        Upload.objects.filter(owner_id=user_id).update(owner=None)
    return deleted


def uploads_for_attaching(
    *, owner: User, ids: list[int], field: str, images_only: bool = False, max_count: int = 10
) -> list[Upload]:
    """The uploads `owner` may attach, locked, in the order given; else ValidationError on `field`.

    Only one's own uploads, and only ones not used anywhere yet: a file attached in one room cannot
    be slipped into another place whose readers differ (upload it again instead). Call inside the
    transaction that attaches them.
    """
    ids = list(dict.fromkeys(ids))
    if len(ids) > max_count:
        raise ValidationError({field: [f"At most {max_count} files."]})
    found = {u.pk: u for u in Upload.objects.select_for_update().filter(pk__in=ids, owner=owner)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationError({field: [f"No such upload of yours: {', '.join(map(str, missing))}."]})
    free = set(unused(Upload.objects.filter(pk__in=ids)).values_list("pk", flat=True))
    taken = [pk for pk in ids if pk not in free]
    if taken:
        raise ValidationError({field: [f"Already used elsewhere: {', '.join(map(str, taken))}. Upload it again."]})
    uploads = [found[pk] for pk in ids]
    if images_only and any(not u.is_image for u in uploads):
        raise ValidationError({field: ["Only images (JPEG, PNG, GIF, WebP) can be used here."]})
    return uploads
