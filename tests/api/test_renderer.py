"""api.renderers.FastJSONRenderer (orjson) writes exactly the bytes DRF's JSONRenderer wrote (issue 16)."""

import datetime
import decimal
import random
import uuid
from collections import OrderedDict

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from api.renderers import FastJSONRenderer
from tests.list_output import AWKWARD_TEXT

EVERY_CONTROL_CHARACTER = "".join(chr(i) for i in range(0x80)) + "\u0085\u2028\u2029\ufeff"

VALUES = [
    AWKWARD_TEXT,
    EVERY_CONTROL_CHARACTER,
    {"nested": [1, -2, 2**63 - 1, 2.5, 0.1, -0.0, 1e16, 1e-5, 3.2e-7, 0.0001, 1e300, True, False, None]},
    OrderedDict([("b", 1), ("a", 2)]),
    {"at": timezone.now(), "utc": datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC)},
    {"day": datetime.date(2026, 2, 28), "time": datetime.time(1, 2, 3, 456789)},
    [uuid.UUID("12345678-1234-5678-1234-567812345678"), decimal.Decimal("1.50"), gettext_lazy("Not found.")],
    {1: "an integer key", 2.5: "a float key"},
    2**70,
    (1, 2, 3),
    {"bytes": b"abc"},
    [],
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_same_bytes_as_drf(value):
    assert FastJSONRenderer().render(value) == JSONRenderer().render(value)


def test_same_bytes_for_random_floats():
    rng = random.Random(16)
    values = [rng.uniform(-1, 1) * 10 ** rng.uniform(-30, 30) for _ in range(5000)]
    assert FastJSONRenderer().render({"v": values}) == JSONRenderer().render({"v": values})


def test_pretty_printing_and_nothing_are_drfs():
    data = {"a": [1, {"b": "é"}]}
    for media_type in ("application/json; indent=4", "application/json; indent=0"):
        assert FastJSONRenderer().render(data, media_type) == JSONRenderer().render(data, media_type)
    assert FastJSONRenderer().render(data, renderer_context={"indent": 2}) == JSONRenderer().render(
        data, renderer_context={"indent": 2}
    )
    assert FastJSONRenderer().render(None) == b""
