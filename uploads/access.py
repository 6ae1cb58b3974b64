"""Who may read an upload, and the short-lived signed URLs handed to them.

A file's URL is only ever put in a payload built for someone who may see where the file is used
(the owner, or the readers of the message or post it belongs to), and it expires: a leaked or
guessed path without a valid signature answers 404. Expiry is rounded to a time bucket so that the
same file has the same URL for a while and browsers can cache it.

Apps that use uploads register how their readers are found (`register_usage`), so this app never
imports them: each gives a function user -> Q over Upload for "uploads this user may see through me".
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.core.signing import Signer
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from api.params import is_plain_integer
from uploads.models import Upload

VARIANTS = ("file", "thumb")
_signer = Signer(salt="uploads.file-url")
_visibility_rules: list[Callable[[object], Q]] = []


def register_usage(visible_to: Callable[[object], Q]) -> None:
    """Called from the AppConfig.ready() of an app that attaches uploads to its objects."""
    if visible_to not in _visibility_rules:
        _visibility_rules.append(visible_to)


def uploads_visible_to(user) -> QuerySet[Upload]:
    if not getattr(user, "is_authenticated", False):
        return Upload.objects.none()
    rule = Q(owner=user)
    for visible_to in _visibility_rules:
        rule |= Q(pk__in=Upload.objects.filter(visible_to(user)).values("pk"))
    return Upload.objects.filter(rule)


def usage_relations() -> list[str]:
    """The query names of every relation that points at Upload (message attachments, post images...)."""
    return [rel.field.related_query_name() for rel in Upload._meta.related_objects]


def unused(queryset: QuerySet[Upload]) -> QuerySet[Upload]:
    for name in usage_relations():
        queryset = queryset.filter(**{f"{name}__isnull": True})
    return queryset


def is_in_use(upload: Upload) -> bool:
    return not unused(Upload.objects.filter(pk=upload.pk)).exists()


def _payload(upload_id: int, variant: str, expires: int) -> str:
    return f"{upload_id}:{variant}:{expires}"


def _expiry(now: float | None = None) -> int:
    ttl = max(int(settings.UPLOAD_URL_TTL), 60)
    now = int(now if now is not None else time.time())
    return (now // ttl + 2) * ttl  # valid for between one and two TTLs


def signed_url(upload: Upload, *, variant: str = "file") -> str:
    expires = _expiry()
    signature = _signer.signature(_payload(upload.pk, variant, expires))
    path = reverse("upload-file", kwargs={"pk": upload.pk, "name": upload.name if variant == "file" else "thumb"})
    return f"{settings.MEDIA_BASE_URL}{path}?v={variant}&e={expires}&s={signature}"


def signature_valid(*, upload_id: int, variant: str, expires: str, signature: str) -> bool:
    if variant not in VARIANTS or not is_plain_integer(expires) or int(expires) < time.time():
        return False
    expected = _signer.signature(_payload(upload_id, variant, int(expires)))
    return constant_time_compare(expected, signature)
