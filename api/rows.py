"""Reading a list page's related rows without the ORM's per-request machinery (issue 16).

A prefetch builds and compiles a queryset per relation, and a RawQuerySet sets up a model iterator,
each costing more than its statement when the page's relations are few or none (a feed page's images,
a message page's files). These read the same rows with a bare cursor.
"""

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
