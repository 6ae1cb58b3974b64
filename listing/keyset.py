"""Keyset ("seek") reads: the rows after a sort key, as one index range (posts.pagination's cursors)."""

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL


def _row_after(queryset: QuerySet, fields: tuple[str, ...], key: list, *, backwards: bool) -> RawSQL | None:
    """`(a, b) < (x, y)` when every sort field is a column sorted the same way: PostgreSQL (and SQLite)
    turn a row comparison into one index range, so even a key among thousands of ties costs nothing."""
    directions = {field.startswith("-") for field in fields}
    names = [field.lstrip("-") for field in fields]
    columns = {f.name: f.column for f in queryset.model._meta.concrete_fields}
    if len(fields) < 2 or len(directions) != 1 or not all(name in columns for name in names):
        return None
    quote = connection.ops.quote_name
    table = quote(queryset.model._meta.db_table)
    row = ", ".join(f"{table}.{quote(columns[name])}" for name in names)
    operator = "<" if directions.pop() != backwards else ">"
    placeholders = ", ".join(["%s"] * len(key))
    return RawSQL(f"({row}) {operator} ({placeholders})", key, output_field=BooleanField())


def _after(fields: tuple[str, ...], key: list, *, backwards: bool) -> Q:
    """Rows strictly after `key` in the ordering (before it when going backwards).

    (a, b) after (x, y) in a descending ordering is `a <= x AND (a < x OR b < y)`: the first term
    bounds the index range, the rest drops the ties already shown.
    """
    condition = Q()
    for position in range(len(fields) - 1, -1, -1):
        name = fields[position].lstrip("-")
        descending = fields[position].startswith("-") != backwards
        strict = Q(**{f"{name}__{'lt' if descending else 'gt'}": key[position]})
        if position == len(fields) - 1:
            condition = strict
        else:
            loose = Q(**{f"{name}__{'lte' if descending else 'gte'}": key[position]})
            condition = loose & (strict | condition)
    return condition


@dataclass(frozen=True)
class PageRequest:
    """What a page reader must return: the first `limit` rows after the cursor's `key` (None on the first
    page) in `order` (the paginator's ordering, reversed when going `backwards`)."""

    key: list | None
    backwards: bool
    order: tuple[str, ...]
    limit: int


def keyset_filter(queryset: QuerySet, fields: tuple[str, ...], key: list, *, backwards: bool) -> QuerySet:
    """The rows of `queryset` after `key` in the ordering `fields` (before it when going backwards)."""
    row_condition = _row_after(queryset, fields, key, backwards=backwards)
    if row_condition is not None:
        return queryset.filter(row_condition)
    return queryset.filter(_after(fields, key, backwards=backwards))
