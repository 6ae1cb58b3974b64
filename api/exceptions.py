"""One exception handler: every error a client causes has the documented shape (README, "API documentation").

- Django's ValidationError / PermissionDenied / Http404 and codenest.errors (NotFound, Conflict, ...)
  raised by services and selectors become 400 / 403 / 404 / 409 / 413 / 503 with their message.
- A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413 (JSON), not Django's HTML 400.
- 429 carries `retry_after` in the body besides the `Retry-After` header.
- A number out of the database's range that the validators let through becomes a 400; the
  transaction is rolled back. An IntegrityError is not the client's doing: the races a service
  expects it turns into codenest.errors.Conflict itself (codenest.errors.conflict_on), so any other
  is a bug and stays a 500.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from codenest import errors


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


class _CodedPermissionDenied(exceptions.PermissionDenied):
    """A 403 whose body names a machine-readable `code` besides `detail`: {"detail", "code"}."""


class _Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class _ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "unavailable"


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
    if isinstance(exc, errors.CodedPermissionDenied):
        return _CodedPermissionDenied(exc.message, code=exc.code)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, errors.NotFound):
        return exceptions.NotFound(exc.message)
    if isinstance(exc, Http404):  # its message (get_object_or_404's) names a model: not for clients
        return exceptions.NotFound()
    if isinstance(exc, errors.Conflict):
        return _Conflict(exc.message)
    if isinstance(exc, errors.PayloadTooLarge):
        return RequestTooLarge(exc.message)
    if isinstance(exc, errors.ServiceUnavailable):
        return _ServiceUnavailable(exc.message)
    if isinstance(exc, DataError):
        return exceptions.ValidationError({"detail": ["A value is out of range or malformed."]})
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
    if isinstance(exc, _CodedPermissionDenied):
        response.data = {"detail": str(exc.detail), "code": exc.detail.code}
    return response
