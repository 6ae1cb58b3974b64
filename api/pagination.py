"""Shared pagination: page style for ordinary lists, cursor style for feeds and chat history."""

from collections.abc import Callable

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


class RowsWindow:
    """What PagePagination pages when a list reads its rows itself (e.g. .values() rows through
    api.query_shapes): Django's Paginator asks it for count() and for one slice, the page."""

    def __init__(self, count: Callable[[], int], read: Callable[[int, int], list]):
        self._count = count
        self._read = read

    def count(self) -> int:
        return self._count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.start is None or window.stop is None:
            raise TypeError("a RowsWindow is read one page (a bounded slice) at a time")
        return self._read(window.start, window.stop - window.start)


class CursorRows:
    """What NewestFirstCursorPagination pages when a list reads its rows itself (e.g. .values() rows through
    api.query_shapes): DRF's CursorPagination calls order_by(), at most filter(<field>__lt/__gt=position),
    then takes one slice, which `read(ordering, lookups, start, stop)` reads. The position arrives as the
    cursor's text: it is turned into the field's Python value here, as the ORM would in the query."""

    def __init__(self, model, read: Callable, ordering: tuple = (), lookups: tuple = ()):
        self.model = model
        self._read = read
        self._ordering = ordering
        self._lookups = lookups

    def order_by(self, *fields: str) -> "CursorRows":
        return CursorRows(self.model, self._read, fields, self._lookups)

    def filter(self, **lookups) -> "CursorRows":
        typed = tuple(
            (lookup, self.model._meta.get_field(lookup.split("__")[0]).to_python(value))
            for lookup, value in sorted(lookups.items())
        )
        return CursorRows(self.model, self._read, self._ordering, self._lookups + typed)

    def __getitem__(self, window: slice) -> list:
        if not isinstance(window, slice) or window.start is None or window.stop is None:
            raise TypeError("CursorRows are read one page (a bounded slice) at a time")
        return self._read(self._ordering, self._lookups, window.start, window.stop)
