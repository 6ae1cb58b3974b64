"""A list page's rows without the ORM's per-request machinery (issue 16): the pagination classes' views
of rows a list reads itself (RowsWindow, CursorRows), and a page's related rows read with a bare cursor.

A prefetch builds and compiles a queryset per relation, and a RawQuerySet sets up a model iterator,
each costing more than its statement when the page's relations are few or none (a feed page's images,
a message page's files). These read the same rows with a bare cursor.
"""

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import Model


def linked_instances(model: type[Model], through: str, target: str, owner: str, owner_ids: list[int]) -> list[tuple]:
    """(owner id, model instance) for each row of `model` linked to one of `owner_ids` by the many-to-many
    table `through` (its columns `target` for the model's id, `owner` for the owner's), in the model's id
    order. Model.from_db only when there are rows; field converters applied as Django would."""
    if not owner_ids:
        return []
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    columns = ", ".join(f"m.{quote(f.column)}" for f in fields)  # type: ignore[arg-type]  # concrete fields have a column
    marks = ", ".join(["%s"] * len(owner_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, link.{quote(owner)} FROM {quote(table)} m JOIN {quote(through)} link "
            f"ON link.{quote(target)} = m.id WHERE link.{quote(owner)} IN ({marks}) ORDER BY m.id",
            owner_ids,
        )
        rows = cursor.fetchall()
    if not rows:
        return []
    converters = [
        (f.get_col(table), [*connection.ops.get_db_converters(f.get_col(table)), *f.get_db_converters(connection)])
        for f in fields
    ]
    names = [f.attname for f in fields]
    instances: list[tuple[int, Any]] = []
    for row in rows:
        values = list(row[:-1])
        for position, (column, field_converters) in enumerate(converters):
            for converter in field_converters:
                values[position] = converter(values[position], column, connection)
        instances.append((row[-1], model.from_db(connection.alias, names, values)))
    return instances


class RowsWindow:
    """What api.pagination.PagePagination pages when a list reads its rows itself (e.g. .values() rows
    through listing.shapes): Django's Paginator asks it for count() and for one slice, the page."""

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
    """What api.pagination.NewestFirstCursorPagination pages when a list reads its rows itself (e.g.
    .values() rows through listing.shapes): DRF's CursorPagination calls order_by(), at most
    filter(<field>__lt/__gt=position), then takes one slice, which `read(ordering, lookups, start, stop)`
    reads. The position arrives as the cursor's text: it is turned into the field's Python value here,
    as the ORM would in the query."""

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
