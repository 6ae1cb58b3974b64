"""One exception handler: every error has the documented shape (README, "API documentation"), never a 500.

- Django's ValidationError / PermissionDenied / Http404 raised by services become 400 / 403 / 404.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (JSON), not Django's HTML 400.
- 429 carries `retry_after` in the body besides the `Retry-After` header.
- Database errors caused by input the validators let through (out-of-range numbers, races on a
  unique constraint) become 400 / 409 instead of a server error; the transaction is rolled back.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler


class RateLimited(exceptions.Throttled):
    """429 "Too many requests. Try again in N seconds." (Throttled appends the wait sentence itself)."""

    default_detail = "Too many requests."
    extra_detail_singular = "Try again in {wait} second."
    extra_detail_plural = "Try again in {wait} seconds."

    def __init__(self, wait: float | None = None, detail: str | None = None):
        super().__init__(wait=max(int(wait or 1), 1), detail=detail)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "too_large"


class CodedPermissionDenied(exceptions.PermissionDenied):
    """A 403 whose body names a machine-readable `code` besides `detail`: {"detail", "code"}."""


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def _translate(exc):
    if isinstance(exc, exceptions.Throttled) and not isinstance(exc, RateLimited):
        return RateLimited(wait=exc.wait)  # DRF throttles (api/throttling.py) say it the same way
    # Django refuses an oversized body with a SuspiciousOperation (an HTML 400 if left alone).
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge(f"Request body too large (at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).")
    if isinstance(exc, TooManyFieldsSent):
        return exceptions.ParseError("Too many fields.")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DataError):
        return exceptions.ValidationError({"detail": ["A value is out of range or malformed."]})
    if isinstance(exc, IntegrityError):
        return Conflict()
    return exc


def exception_handler(exc, context):
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        response.data = {"detail": str(exc.detail), "retry_after": wait}
        response["Retry-After"] = str(wait)
    if isinstance(exc, CodedPermissionDenied):
        response.data = {"detail": str(exc.detail), "code": exc.detail.code}
    return response

