"""Byte-for-byte checks of the hand-written list outputs (post_data, room_data, ...) against the
serializers they replace, rendered the way the API rendered them before: DRF's JSONRenderer."""

import time_machine
from django.utils import timezone
from rest_framework.renderers import JSONRenderer


def frozen_clock():
    """Signed upload URLs carry an expiry computed from the clock: both sides are written at one instant."""
    return time_machine.travel(timezone.now(), tick=False)


# Text that JSON writers spell differently if they differ at all: escapes, U+2028/9, non-ASCII, emoji.
AWKWARD_TEXT = 'Quote " backslash \\ tab \t newline \n bell \x07 del \x7f \u2028 \u2029 é 中文 😀 </script>'


def drf_bytes(data) -> bytes:
    return JSONRenderer().render(data)


def assert_response_is_serializer_output(response, reference_results) -> None:
    """The whole response body equals DRF's rendering of the same envelope around the serializer's
    output for the same rows (links and count taken from the response itself)."""
    assert response.status_code == 200, response.content[:300]
    envelope = {key: (reference_results if key == "results" else value) for key, value in response.json().items()}
    assert response.content == drf_bytes(envelope)
