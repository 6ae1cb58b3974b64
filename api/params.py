"""Parsing of request input that several views share: ids and query parameters.

Plain Python and Django, no DRF: selectors that take raw ids use it too (tests/test_architecture.py).
"""

from django.core.exceptions import ValidationError

from codenest.errors import NotFound

# The largest id the database can hold: every primary key is a BigAutoField (DEFAULT_AUTO_FIELD),
# a signed 64-bit integer on PostgreSQL and SQLite alike. A bigger number is bad input, never looked
# up: SQLite overflows on it (a 500) and PostgreSQL refuses to compare it with a bigint column.
MAX_ID = 2**63 - 1
MAX_SEARCH_CHARS = 200


def is_plain_integer(raw: str) -> bool:
    """True for ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() refuses (a 500)."""
    return raw.isascii() and raw.isdigit()


def path_id(value) -> int:
    """An id from the URL; one past the database's range (or not a number) is simply not found."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise NotFound() from None
    if not 0 <= number <= MAX_ID:
        raise NotFound()
    return number


def search_param(request, name: str = "search") -> str:
    """The stripped `?search=` of a list; longer than MAX_SEARCH_CHARS is a 400.

    Nobody searches with a page of text, and SQLite refuses LIKE patterns over 50,000 bytes (a 500).
    """
    value = request.query_params.get(name, "").strip()
    if len(value) > MAX_SEARCH_CHARS:
        raise ValidationError({name: [f"Ensure this value has at most {MAX_SEARCH_CHARS} characters."]})
    return value
