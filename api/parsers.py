"""JSON in, safely: bodies and socket frames nested deeper than MAX_JSON_DEPTH are a 400 (an `error`
frame on a socket), never a RecursionError deep in the parser, a serializer or the renderer."""

import json

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# Far deeper than any payload we accept (GitHub's webhook payloads nest < 10 levels).
MAX_JSON_DEPTH = 64
TOO_DEEP = f"JSON nested more than {MAX_JSON_DEPTH} levels deep."


def nested_deeper_than(value, limit: int) -> bool:
    """Whether lists/objects nest more than `limit` levels (iterative: no recursion of our own)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node  # type: ignore[assignment]  # either is iterated
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def check_depth(value):
    if nested_deeper_than(value, MAX_JSON_DEPTH):
        raise ParseError(TOO_DEEP)
    return value


def loads_json(text: str | bytes):
    """json.loads that raises ParseError for malformed or too deeply nested JSON."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ParseError(TOO_DEEP) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ParseError(f"JSON parse error - {exc}") from None
    return check_depth(value)


class SafeJSONParser(JSONParser):
    """DRF's JSONParser (the default parser) plus the depth limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            value = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        return check_depth(value)
