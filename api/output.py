"""Shared pieces of hand-built list output (see e.g. posts.serializers.post_data).

A list endpoint may write its rows as plain dicts instead of running a serializer per row, which
costs most of a list response; the serializer stays the documented schema and the reference that
tests compare the plain output with, byte for byte. These are DRF's own field conversions, so a
value comes out exactly as the serializer would write it.
"""

from datetime import UTC, date, datetime
from typing import Any

from django.conf import settings
from django.utils.timezone import get_current_timezone
from rest_framework import serializers

# A model instance as a list selector hands it over: with its annotations (`member_count`, `my_vote`...)
# and plain-list prefetches (`tag_names`, `image_list`...), attributes mypy cannot see on the model class.
Row = Any

_datetime_field = serializers.DateTimeField(read_only=True)
_date_field = serializers.DateField(read_only=True)


def datetime_data(value: datetime | None) -> str | None:
    """Aware datetimes as DRF writes them ("...Z" in UTC); None stays None."""
    if value is None:
        return None
    # The database's datetimes arrive in UTC; while the current time zone is UTC too, DRF's conversion
    # to it changes nothing and its ISO form ends in "+00:00", written "Z" (a list writes 20-60 a page).
    if value.tzinfo is UTC and settings.USE_TZ and getattr(get_current_timezone(), "key", None) == "UTC":
        return value.isoformat()[:-6] + "Z"
    return _datetime_field.to_representation(value)


def date_data(value: date | None) -> str | None:
    return None if value is None else _date_field.to_representation(value)
