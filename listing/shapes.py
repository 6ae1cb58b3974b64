"""A list's SQL compiled once per query *shape*, only its values bound per request (issue 16).

Building a list's queryset (visibility subquery, my_vote subquery, keyset filter...) and compiling it
to SQL costs a few milliseconds of Python per request: on the feed, more than the database spends on
the page. The SQL of one shape (which filters are present, the ordering, the page size) is the same
for every request; only the values (the viewer's id, a cursor's key, a search term) differ. So:

- the selector still builds the queryset with the ORM (the single definition of the SQL), from a
  dict of values, through a `build(values)` function that uses each value only as a query parameter
  and never branches on it: every branch belongs in the shape key;
- the first request of a shape builds it from stand-in values (a distinct sentinel per value), and
  the positions where the sentinels appear among the compiled parameters are where that request's
  values go, then and later;
- that first time, and on every request when `settings.QUERY_SHAPES_VERIFY` is set (the test suite
  sets it), the queryset is also built from the real values and compiled: the SQL and parameters
  must be the ones bound from the template. A template that does not reproduce its first request
  (a value transformed on its way into the SQL, SQLite's `icontains` escaping...) is not cached: that
  shape is compiled per request as before. A later mismatch means the shape key misses a branch, and
  fails loudly under verification.

Rows come back as `.values()` dicts (no model instances), with the queryset's own converters applied.
"""

import itertools
import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from listing.rows import RowsWindow

logger = logging.getLogger(__name__)

Build = Callable[[dict[str, Any]], QuerySet]
# Where a compiled parameter comes from: a value's name, or a constant of the SQL (e.g. Coalesce's 0).
_VALUE, _CONSTANT = 0, 1


@dataclass(frozen=True)
class _Template:
    sql: str | None  # None: the shape matches no rows (Django raised EmptyResultSet)
    # (_VALUE, (name, the compiled parameter's type)) or (_CONSTANT, the parameter)
    params: tuple[tuple[int, Any], ...]
    names: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    using: str

    def bind(self, values: dict[str, Any]) -> tuple:
        return tuple(_as(p[1], values[p[0]]) if kind == _VALUE else p for kind, p in self.params)


class ShapeMismatch(AssertionError):
    """A cached template no longer reproduces the queryset's SQL: its shape key misses a branch."""


_UNCACHEABLE = object()
_counter = itertools.count(1)


def _sentinel(value: Any) -> Any:
    """A stand-in of the value's type that no constant of a query will equal."""
    n = next(_counter)
    if isinstance(value, bool):
        raise TypeError("a boolean changes the SQL's shape: put it in the shape key")
    if isinstance(value, int):
        return 2_147_000_000 + n  # within a 4-byte integer column's range: Django drops lookups beyond it
    if isinstance(value, float):
        return 1.0e300 + n * 1.0e285
    if isinstance(value, str):
        return f"query-shape-sentinel-{n}-{id(_counter):x}"
    if isinstance(value, datetime):
        return datetime(1001, 1, 1, tzinfo=UTC) + timedelta(microseconds=n)
    raise TypeError(f"no sentinel for a {type(value).__name__}")


def _kind(value: Any) -> type:
    """A parameter's plain type: the backend may hand over an int as a subclass that fixes its SQL type
    (psycopg's Int4/Int8 for integer columns on PostgreSQL)."""
    for kind in (bool, int, float, str, datetime):
        if isinstance(value, kind):
            return kind
    return type(value)


def _as(wrapper: type, value: Any) -> Any:
    """The request's value in the compiled parameter's type (Int4(value) where the SQL had an Int4)."""
    return value if type(value) is wrapper else wrapper(value)


def _compile(queryset: QuerySet) -> tuple[str | None, tuple, Any]:
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None, (), compiler
    return sql, tuple(params), compiler


def _names(queryset: QuerySet) -> tuple[str, ...]:
    """The keys of the queryset's .values() rows, in the order of its SELECT (as Django's ValuesIterable)."""
    query = queryset.query
    if queryset._fields is None:  # type: ignore[attr-defined]  # set by .values()
        raise TypeError("QueryShapes reads .values() querysets")
    if query.selected:
        return tuple(query.selected)
    return (*query.extra_select, *query.values_select, *query.annotation_select)


def _make_template(queryset: QuerySet, values: dict[str, Any]) -> _Template:
    """The template of a queryset built from the sentinels `values` (name -> sentinel)."""
    sql, params, compiler = _compile(queryset)
    by_value = {(_kind(v), v): name for name, v in values.items()}
    slots = tuple(
        (_VALUE, (by_value[(_kind(p), p)], type(p))) if (_kind(p), p) in by_value else (_CONSTANT, p) for p in params
    )
    converters: tuple = ()
    if sql is not None:
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = tuple((pos, tuple(convs), expr) for pos, (convs, expr) in compiler.get_converters(fields).items())
    return _Template(sql, slots, _names(queryset), converters, queryset.db)


class QueryShapes:
    """The compiled templates of one list, by shape key. `build(values)` builds the list's .values()
    queryset; it may depend on everything in the shape key (a closure) and on nothing else."""

    # Shapes kept per list: page numbers and sizes are the client's to choose, so past this many a new
    # shape is compiled per request (as before) rather than kept.
    max_shapes = 512

    def __init__(self) -> None:
        self._templates: dict[Hashable, Any] = {}
        self._lock = threading.Lock()

    def _template(self, shape: Hashable, values: dict[str, Any], build: Build) -> Any:
        template = self._templates.get(shape)
        if template is not None:
            return template
        sentinels = {name: _sentinel(value) for name, value in values.items()}
        template = _make_template(build(sentinels), sentinels)
        sql, params, _compiler = _compile(build(values))
        if (sql, params) != (template.sql, template.bind(values)):
            logger.info("query shape %r is not cacheable: compiled per request", shape)
            template = _UNCACHEABLE
        with self._lock:
            if len(self._templates) < self.max_shapes:
                self._templates.setdefault(shape, template)
        return template

    def window(self, shape: Hashable, values: dict[str, Any], build: Build) -> RowsWindow:
        """build(values)'s rows for PagePagination: its count and the page's slice, each compiled once per
        shape (the slice's bounds are part of the page's SQL, so of its shape)."""

        def read(offset: int, limit: int) -> list[dict[str, Any]]:
            return self.rows((shape, offset, limit), values, lambda v: build(v)[offset : offset + limit])

        return RowsWindow(count=lambda: self.count(shape, values, build), read=read)

    def count(self, shape: Hashable, values: dict[str, Any], build: Build) -> int:
        """How many rows build(values) has: `SELECT COUNT(*)` over its rows' ids, compiled once per shape."""

        def ids(v: dict[str, Any]) -> QuerySet:
            return build(v).order_by().values("pk")

        template = self._template(("count", shape), values, ids)
        if template is _UNCACHEABLE:
            return build(values).count()
        rows = self._fetch(("count", shape), template, values, ids, lambda sql: f"SELECT COUNT(*) FROM ({sql}) counted")
        return rows[0][0] if rows else 0

    def rows(self, shape: Hashable, values: dict[str, Any], build: Build) -> list[dict[str, Any]]:
        """The rows of build(values) as .values() dicts, compiled once per shape."""
        template = self._template(shape, values, build)
        if template is _UNCACHEABLE:
            return list(build(values))
        rows = self._fetch(shape, template, values, build, lambda sql: sql)
        if not rows:
            return []
        connection = connections[template.using]
        if template.converters:
            rows = [list(row) for row in rows]
            for row in rows:
                for pos, convs, expression in template.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
        names = template.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _fetch(self, shape: Hashable, template: _Template, values: dict[str, Any], build: Build, wrap) -> list:
        params = template.bind(values)
        if getattr(settings, "QUERY_SHAPES_VERIFY", False):
            sql, real_params, _compiler = _compile(build(values))
            if (sql, real_params) != (template.sql, params):
                raise ShapeMismatch(f"shape {shape!r}: {sql!r} {real_params!r} != {template.sql!r} {params!r}")
        if template.sql is None:
            return []
        with connections[template.using].cursor() as cursor:
            cursor.execute(wrap(template.sql), params)
            return cursor.fetchall()
