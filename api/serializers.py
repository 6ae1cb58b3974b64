"""Serializer helpers every app's views share."""

from rest_framework import serializers

from api.params import MAX_ID


def id_field(**kwargs) -> serializers.IntegerField:
    """An id in a request body: a bigger one than the database can hold is a 400, not a 500."""
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def validated(serializer_class, data, **kwargs) -> dict:
    """`data` validated by `serializer_class` (a 400 with the field errors otherwise)."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
