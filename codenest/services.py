"""Helpers every app's services share. Imports no app.

`model_update` is the one way a service applies an edit to an existing row (after HackSoft's
Django-Styleguide-Example, common/services.py): only the fields that really change are set,
validated and saved, so an edit that changes nothing writes nothing.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.utils import timezone


def model_update(
    *, instance: models.Model, fields: Iterable[str], data: Mapping[str, Any], touch: str | None = None
) -> list[str]:
    """Set those of `fields` present in `data` whose value differs, validate them, save them. Returns
    the names of the changed fields (empty: no query at all).

    A foreign key is given as the related object (or None) and compared by id, so comparing fetches
    nothing. `touch` names a timestamp (`updated_at`, `edited_at`) set to now and saved along when
    something changed. Many-to-many fields are not handled here: the caller sets them.
    """
    changed = []
    for name in fields:
        if name not in data:
            continue
        field = instance._meta.get_field(name)
        value = data[name]
        if isinstance(field, models.ForeignKey):  # a OneToOneField too
            if getattr(instance, field.attname) == (value.pk if value is not None else None):
                continue
        elif getattr(instance, name) == value:
            continue
        setattr(instance, name, value)
        changed.append(name)
    if not changed:
        return changed
    # Only the changed fields: the rest were valid when stored. A related object given here was read
    # from the database, so checking that it exists would be one more query for nothing.
    checked = {name for name in changed if not instance._meta.get_field(name).is_relation}
    instance.clean_fields(exclude=[field.name for field in instance._meta.concrete_fields if field.name not in checked])
    update_fields = list(changed)
    if touch is not None:
        setattr(instance, touch, timezone.now())
        update_fields.append(touch)
    instance.save(update_fields=update_fields)
    return changed
