"""The API docs read well: every operation has a summary (ReDoc showed raw operation ids), tags come
in reading order, alias endpoints say what they duplicate, and the description links the socket docs."""

import re

import pytest
from rest_framework.test import APIClient

from api.schema_docs import TAG_ORDER, summary_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    import json

    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, operation


def test_every_operation_has_a_readable_summary(schema):
    for method, path, operation in operations(schema):
        summary = operation.get("summary", "")
        assert summary, (method, path)
        assert summary != operation["operationId"] and "_" not in summary, (method, path, summary)
        assert summary[0].isupper() and len(summary) <= 60, (method, path, summary)


def test_summaries_are_unique(schema):
    seen = {}
    for method, path, operation in operations(schema):
        assert operation["summary"] not in seen, (operation["summary"], seen.get(operation["summary"]), path)
        seen[operation["summary"]] = f"{method} {path}"


def test_tags_in_reading_order_and_every_used_tag_listed(schema):
    names = [tag["name"] for tag in schema["tags"]]
    used = {tag for _, _, operation in operations(schema) for tag in operation["tags"]}
    assert set(names) == used
    known = [name for name, _ in TAG_ORDER if name in used]
    assert names[: len(known)] == known
    assert names.index("auth") < names.index("users") < names.index("rooms") < names.index("posts")
    assert "comments" not in names and "skills" not in names  # folded into their parent's tag


@pytest.mark.parametrize(
    ("alias", "original"),
    [
        (("post", "/api/v1/posts/{id}/upvote/"), ("post", "/api/v1/posts/{id}/vote/")),
        (("patch", "/api/v1/users/update/"), ("patch", "/api/v1/users/me/")),
    ],
)
def test_aliases_are_marked(schema, alias, original):
    operation = schema["paths"][alias[1]][alias[0]]
    assert operation["x-alias-of"] == schema["paths"][original[1]][original[0]]["operationId"]
    assert operation["description"].startswith("**Alias.**")
    assert "(alias)" in operation["summary"]


def test_description_links_the_websocket_docs(schema):
    description = schema["info"]["description"]
    assert re.search(r"docs/websockets\.md", description)
    assert "/ws/rooms/" in description and "/ws/notifications/" in description


@pytest.mark.parametrize(
    ("method", "path", "operation_id", "expected"),
    [
        ("get", "/api/v1/events/", "events_list", "List events"),
        ("post", "/api/v1/events/", "events_create", "Create event"),
        ("get", "/api/v1/events/{id}/", "events_retrieve", "Get event"),
        ("post", "/api/v1/events/{id}/lock/", "events_lock_create", "Lock event"),
        ("put", "/api/v1/events/{id}/slots/{slot_id}/vote/", "x", "Replace slot vote"),
        ("delete", "/api/v1/hackathons/{id}/judges/", "x", "Delete hackathon judge"),
        ("get", "/api/v1/hackathons/{id}/teams/{team_id}/", "x", "Get hackathon team"),
        ("delete", "/api/v1/users/{id}/follow/", "x", "Unfollow user"),
        ("delete", "/api/v1/users/me/avatar/", "x", "Remove my avatar"),
        ("get", "/api/v1/users/me/export/", "x", "Get my export"),
    ],
)
def test_summaries_for_endpoints_added_later(method, path, operation_id, expected):
    """New apps get sensible summaries without writing any."""
    assert summary_for(method, path, operation_id) == expected
