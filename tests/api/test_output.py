"""api.output.datetime_data writes what DRF's DateTimeField writes, fast path or not (issue 16)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as django_timezone
from rest_framework import serializers

from api.output import datetime_data

VALUES = [
    datetime(2026, 12, 4, 1, 2, 3, tzinfo=UTC),
    datetime(2026, 12, 4, 1, 2, 3, 5, tzinfo=UTC),  # microseconds: written with six digits
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2))),  # not UTC: DRF's conversion
    *(datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=7_919 * n * 10**6 + n) for n in range(200)),
]


@pytest.mark.parametrize("zone", [None, "Europe/Paris", "America/New_York"])
def test_datetime_data_is_drfs_output(zone):
    field = serializers.DateTimeField(read_only=True)
    if zone is None:
        assert [datetime_data(v) for v in VALUES] == [field.to_representation(v) for v in VALUES]
        return
    inside = [v for v in VALUES if v.year not in (1, 9999)]  # year 1 and 9999 overflow in another zone
    with django_timezone.override(zone):
        assert [datetime_data(v) for v in inside] == [field.to_representation(v) for v in inside]


def test_none_stays_none():
    assert datetime_data(None) is None
