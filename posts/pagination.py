"""Keyset ("seek") cursor pagination over an ordering that ends in a unique column.

The cursor holds the last row's sort key, so a page is an index range scan wherever it is, rows
inserted meanwhile never shift a page, and no OFFSET is ever used. Unlike DRF's CursorPagination
(position on the first field plus an offset among ties) it is exact for orderings with many ties,
such as `top` (most posts share a score).
"""

import base64
import binascii
import json
import math
from collections import OrderedDict
from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from api.params import is_plain_integer
from listing.keyset import PageRequest, keyset_filter

MAX_BIGINT = 2**63 - 1


def _invalid_cursor() -> ValidationError:
    return ValidationError({"cursor": ["Invalid cursor."]})


def encode_cursor(key: list, *, backwards: bool = False) -> str:
    payload = json.dumps({"k": key, "b": int(backwards)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def _valid_key_part(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) <= MAX_BIGINT
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= 500


# What each sortable column's cursor value must be; a string where a number belongs is a bad cursor,
# not a database error.
KEY_TYPES = {"id": (int,), "score": (int,), "hot": (int, float), "rank": (int, float), "path": (str,)}


def decode_cursor(token: str, *, fields: tuple[str, ...]) -> tuple[list, bool]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw, parse_constant=lambda _c: None)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise _invalid_cursor() from exc
    if not isinstance(payload, dict):
        raise _invalid_cursor()
    key, backwards = payload.get("k"), payload.get("b", 0)
    if not isinstance(key, list) or len(key) != len(fields) or backwards not in (0, 1):
        raise _invalid_cursor()
    for part, field in zip(key, fields, strict=True):
        allowed = KEY_TYPES.get(field.lstrip("-"), (int, float, str))
        if not (_valid_key_part(part) and isinstance(part, allowed)):
            raise _invalid_cursor()
    return key, bool(backwards)


class KeysetCursorPagination(BasePagination):
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"
    # Views set this per request (new / hot / top / relevance / thread order).
    ordering: tuple[str, ...] = ("-id",)

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not is_plain_integer(raw) or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["A positive integer is required."]})
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:  # type: ignore[override]  # pages querysets only
        def read(page: PageRequest) -> list:
            rows = queryset
            if page.key is not None:
                rows = keyset_filter(queryset, self.ordering, page.key, backwards=page.backwards)
            return list(rows.order_by(*page.order)[: page.limit])

        return self.paginate_rows(read, request)

    def paginate_rows(self, read: Callable[[PageRequest], list], request) -> list:
        """The page as `read(PageRequest)` reads it. Rows are model instances or .values() dicts."""
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        key, backwards = decode_cursor(token, fields=self.ordering) if token else (None, False)
        order = self.ordering
        if backwards:
            order = tuple(field[1:] if field.startswith("-") else f"-{field}" for field in order)
        rows = read(PageRequest(key=key, backwards=backwards, order=order, limit=size + 1))
        has_more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        self.next_key = self._key_of(rows[-1]) if rows and (has_more or backwards) else None
        # Going forwards from a cursor there is always something before; backwards, only if more was found.
        has_previous = key is not None and (has_more or not backwards)
        self.previous_key = self._key_of(rows[0]) if rows and has_previous else None
        return rows

    def _key_of(self, row) -> list:
        if isinstance(row, dict):
            return [row[field.lstrip("-")] for field in self.ordering]
        return [getattr(row, field.lstrip("-")) for field in self.ordering]

    def _link(self, key: list | None, *, backwards: bool) -> str | None:
        if key is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, encode_cursor(key, backwards=backwards))

    def get_next_link(self) -> str | None:
        return self._link(self.next_key, backwards=False)

    def get_previous_link(self) -> str | None:
        if self.previous_key is None:
            return None
        return self._link(self.previous_key, backwards=True)

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("previous", self.get_previous_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Number of results per page (max {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]


class ThreadPagination(KeysetCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("path",)
