"""Shared pieces of hand-built list output (see e.g. posts.serializers.post_data).

A list endpoint may write its rows as plain dicts instead of running a serializer per row, which
costs most of a list response; the serializer stays the documented schema and the reference that
tests compare the plain output with, byte for byte. These are DRF's own field conversions, so a
value comes out exactly as the serializer would write it.
"""

from rest_framework import serializers

datetime_data = serializers.DateTimeField(read_only=True).to_representation  # aware, "...Z"; None stays None
date_data = serializers.DateField(read_only=True).to_representation
