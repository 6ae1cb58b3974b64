"""Query parameters that several lists share."""

from rest_framework.exceptions import ValidationError

MAX_SEARCH_CHARS = 200


def is_plain_integer(raw: str) -> bool:
    """True for ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() refuses (a 500)."""
    return raw.isascii() and raw.isdigit()


def search_param(request, name: str = "search") -> str:
    """The stripped `?search=` of a list; longer than MAX_SEARCH_CHARS is a 400.

    Nobody searches with a page of text, and SQLite refuses LIKE patterns over 50,000 bytes (a 500).
    """
    value = request.query_params.get(name, "").strip()
    if len(value) > MAX_SEARCH_CHARS:
        raise ValidationError({name: [f"Ensure this value has at most {MAX_SEARCH_CHARS} characters."]})
    return value
