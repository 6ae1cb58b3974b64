"""Shared pagination: page style for ordinary lists, cursor style for feeds and chat history."""

from django.core.exceptions import FieldDoesNotExist, ValidationError
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with ?page= and ?page_size= (default 20, max 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NewestFirstCursorPagination(CursorPagination):
    """`{"next", "previous", "results"}`, newest first by id: stable under inserts, index-only."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A cursor that is not one of ours is a 400 (as the feeds answer), never a 404 or a 500.

        DRF checks the offset and direction but passes the position (`p=`) straight into the query:
        `p=abc`, `p=1e400` or `p=2026-13-45` raised ValueError/OverflowError there (500).
        """
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise self._invalid() from None
        if cursor is not None and cursor.position is not None and not self._position_is_valid(cursor.position):
            raise self._invalid()
        return cursor

    def _position_is_valid(self, position: str) -> bool:
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        try:
            field = self._model._meta.get_field(ordering.lstrip("-"))
            field.run_validators(field.to_python(position))  # the type and the database's range
        except (FieldDoesNotExist, AttributeError):
            return True  # not a model field: nothing to check it against
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return True

    def _invalid(self):
        return serializers.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})
