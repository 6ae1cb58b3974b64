"""listing.shapes: a list's SQL compiled once per shape and bound with each request's values must read
exactly the rows the ORM's own queryset reads, for every filter combination (issue 16)."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from listing.shapes import QueryShapes, ShapeMismatch
from posts.models import Post, Tag
from posts.pagination import encode_cursor
from posts.selectors import post_feed, post_feed_ordering
from posts.services import vote_cast
from tests.conftest import client_for
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory


@pytest.mark.django_db
def test_a_shape_is_compiled_once_and_bound_with_each_requests_values(settings):
    settings.QUERY_SHAPES_VERIFY = False
    PostFactory(title="a"), PostFactory(title="b")
    shapes, builds = QueryShapes(), []

    def build(v):
        builds.append(v)
        return Post.objects.filter(title=v["title"]).values("title")

    assert shapes.rows("by title", {"title": "a"}, build) == [{"title": "a"}]
    compiled = len(builds)  # the sentinels' build and the real values' check
    assert shapes.rows("by title", {"title": "b"}, build) == [{"title": "b"}]
    assert shapes.rows("by title", {"title": "c"}, build) == []
    assert len(builds) == compiled
    assert shapes.count("by title", {"title": "b"}, build) == 1


@pytest.mark.django_db
def test_a_shape_key_that_misses_a_branch_fails_under_verification(settings):
    settings.QUERY_SHAPES_VERIFY = True
    shapes, in_feed_only = QueryShapes(), {"on": False}

    def build(v):  # a branch (the closure's flag) that the wrong shape key below leaves out
        posts = Post.objects.filter(score__gte=v["score"])
        return (posts.filter(room__isnull=True) if in_feed_only["on"] else posts).values("id")

    shapes.rows("wrong key", {"score": 1}, build)
    in_feed_only["on"] = True
    with pytest.raises(ShapeMismatch):
        shapes.rows("wrong key", {"score": 1}, build)


def test_a_value_a_build_branches_on_is_caught_at_its_first_request(db):
    """The sentinel takes another branch than the real value: the template does not reproduce the first
    request, so that shape is compiled per request, and stays right."""
    PostFactory(score=3)
    shapes = QueryShapes()

    def build(v):
        posts = Post.objects.filter(score__gte=v["score"])
        return (posts.filter(room__isnull=False) if v["score"] > 5 else posts).values("score")

    assert shapes.rows("branching", {"score": 1}, build) == [{"score": 3}]
    assert shapes.rows("branching", {"score": 2}, build) == [{"score": 3}]


@pytest.mark.django_db
def test_a_value_transformed_on_its_way_to_the_sql_is_not_cached_but_still_right(settings):
    PostFactory(title="Zebra crossing"), PostFactory(title="lion")
    shapes = QueryShapes()

    def build(v):  # icontains sends "%zebra%", not the value: the template cannot bind it
        return Post.objects.filter(title__icontains=v["word"]).values("title")

    for _ in range(2):
        assert shapes.rows("contains", {"word": "zebra"}, build) == [{"title": "Zebra crossing"}]
        assert shapes.rows("contains", {"word": "lion"}, build) == [{"title": "lion"}]


@pytest.mark.django_db
def test_a_shape_that_matches_nothing_runs_no_query():
    shapes = QueryShapes()
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2):
            assert shapes.rows("none", {"id": 1}, lambda v: Post.objects.filter(pk__in=[]).values("id")) == []
    assert not queries.captured_queries


@pytest.fixture
def feed_world(db):
    viewer, other = UserFactory(handle="viewer"), UserFactory(handle="other")
    room = RoomFactory(is_public=False)
    MembershipFactory(room=room, user=viewer)
    hidden_room = RoomFactory(is_public=False)
    python = Tag.objects.create(name="python")
    posts = []
    for i in range(12):
        post = PostFactory(
            title=f"zebra {i}" if i % 2 else f"lion {i}",
            author=viewer if i % 3 else other,
            room=room if i % 4 == 1 else (hidden_room if i % 4 == 3 else None),
            created_at=timezone.now() - timedelta(days=i * 3),
        )
        if i % 2:
            post.tags.add(python)
        posts.append(post)
    for i, post in enumerate(posts[:8]):
        vote_cast(voter=other if post.author == viewer else viewer, target=post, value=1 if i % 2 else -1)
    return {"viewer": viewer, "other": other, "room": room}


FILTERS = {
    "room": lambda w: w["room"].pk,
    "author": lambda w: str(w["other"].pk),
    "author_handle": lambda w: "VIEWER",
    "author_beyond": lambda w: str(2**64),
    "tag": lambda w: " Python ",
    "search": lambda w: "zebra",
}


@pytest.mark.parametrize("ordering", ["new", "hot", "top", "relevance"])
@pytest.mark.parametrize("signed_in", [True, False])
def test_every_feed_filter_combination_lists_the_orms_rows(feed_world, ordering, signed_in):
    """Every combination of the feed's filters, both viewers, page 1 and the page after a cursor: the ids
    the API lists are the ORM queryset's (post_feed) in its order."""
    viewer = feed_world["viewer"] if signed_in else None
    client = client_for(viewer)
    names = list(FILTERS)
    for size in range(3):
        for combination in itertools.combinations(names, size):
            if "author" in combination and ("author_handle" in combination or "author_beyond" in combination):
                continue
            if "author_handle" in combination and "author_beyond" in combination:
                continue
            params = {name.split("_")[0]: FILTERS[name](feed_world) for name in combination}
            params |= {"ordering": ordering, "page_size": 2, "period": "month" if ordering == "top" else "all"}
            selector_params = {k: v for k, v in params.items() if k not in ("page_size", "room")}
            if ordering == "relevance" and "search" not in params:
                selector_params["ordering"] = "new"
            expected = post_feed(user=viewer, room_id=params.get("room"), **selector_params)
            fields = post_feed_ordering(selector_params["ordering"])
            rows = list(expected.order_by(*fields))
            first = client.get("/api/v1/posts/", params).json()
            assert [p["id"] for p in first["results"]] == [p.pk for p in rows[:2]], params
            if len(rows) > 2:
                key = [getattr(rows[1], f.lstrip("-")) for f in fields]
                after = client.get("/api/v1/posts/", params | {"cursor": encode_cursor(key)}).json()
                assert [p["id"] for p in after["results"]] == [p.pk for p in rows[2:4]], params
