"""Benchmark of GET /api/v1/posts/ (new, hot, top, search; page 1 and a deep cursor) against a
hand-written Django view that runs the same SQL and renders the same JSON, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cn_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py seed_bench --scale 1
    DATABASE_URL=... .venv/bin/python bench/feed.py [--requests 200] [--deep 0.5]

How both sides are driven and compared: bench/harness.py. Reported per scenario: requests per
second, p95 latency, and the ratio DRF / hand-written (1.00 = no overhead).
"""

import argparse

from harness import PAGE_SIZE, auth_headers, bench_viewer, configure, iso, run  # sets Django up: first

# isort: split
from django.db import connection
from django.http import JsonResponse
from django.urls import include, path
from rest_framework_simplejwt.authentication import JWTAuthentication

from posts.pagination import encode_cursor
from posts.selectors import post_feed, post_feed_ordering

SEARCH_TERM = "zeppelin"

# --- the hand-written view -------------------------------------------------------------------------

SELECT = """
SELECT p.id, p.room_id, p.title, p.content, p.kind, p.code_language, p.url, p.score, p.upvotes,
       p.downvotes, p.comment_count, p.created_at, p.edited_at, p.hot,
       u.id, u.handle, u.name, u.avatar,
       COALESCE((SELECT v.value FROM posts_vote v WHERE v.user_id = %(user)s AND v.post_id = p.id LIMIT 1), 0)
       {rank_column}
FROM posts_post p JOIN users_user u ON u.id = p.author_id
WHERE (p.room_id IS NULL OR p.room_id IN (
        SELECT r.id FROM rooms_room r
        WHERE r.is_public OR r.id IN (SELECT m.room_id FROM rooms_membership m WHERE m.user_id = %(user)s)))
  {search_filter} {keyset}
ORDER BY {order}
LIMIT %(limit)s
"""
TSQUERY = "websearch_to_tsquery('english'::regconfig, %(search)s)"
RANK = f"ts_rank(p.search_vector, {TSQUERY})::double precision"
KEYSETS = {
    "new": ("p.id < %(k0)s", "p.id DESC"),
    "hot": ("(p.hot, p.id) < (%(k0)s, %(k1)s)", "p.hot DESC, p.id DESC"),
    "top": ("(p.score, p.id) < (%(k0)s, %(k1)s)", "p.score DESC, p.id DESC"),
    "relevance": (f"{RANK} <= %(k0)s AND ({RANK} < %(k0)s OR p.id < %(k1)s)", "5 DESC, p.id DESC"),
}
TAGS_SQL = """
SELECT pt.post_id, t.name FROM posts_tag t JOIN posts_post_tags pt ON pt.tag_id = t.id
WHERE pt.post_id = ANY(%s) ORDER BY t.name
"""
# The API lists each post's images and link previews too: the same two queries as its prefetches.
IMAGES_SQL = """
SELECT pi.post_id, u.* FROM uploads_upload u JOIN posts_post_images pi ON pi.upload_id = u.id
WHERE pi.post_id = ANY(%s) ORDER BY u.id DESC
"""
PREVIEWS_SQL = """
SELECT pp.post_id, lp.* FROM uploads_linkpreview lp JOIN posts_post_previews pp ON pp.linkpreview_id = lp.id
WHERE pp.post_id = ANY(%s) ORDER BY lp.id
"""


def raw_posts(request):
    user, _token = JWTAuthentication().authenticate(request)
    ordering = request.GET.get("ordering", "new")
    search = request.GET.get("search")
    key = request.GET.getlist("k")
    keyset, order = KEYSETS[ordering]
    params = {"user": user.id, "limit": PAGE_SIZE + 1, "search": search}
    params.update(
        {f"k{i}": float(v) if ordering in ("hot", "relevance") and i == 0 else int(v) for i, v in enumerate(key)}
    )
    sql = SELECT.format(
        rank_column=f", {RANK}" if ordering == "relevance" else "",
        search_filter=f"AND p.search_vector @@ {TSQUERY}" if search else "",
        keyset=f"AND ({keyset})" if key else "",
        order=order.replace("5 DESC", "20 DESC"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        has_more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        tags = {}
        if rows:
            ids = [row[0] for row in rows]
            cursor.execute(TAGS_SQL, [ids])
            for post_id, name in cursor.fetchall():
                tags.setdefault(post_id, []).append(name)
            for sql in (IMAGES_SQL, PREVIEWS_SQL):
                cursor.execute(sql, [ids])
                # Signed image URLs and previews are not written out here: the benchmark data has none.
                assert not cursor.fetchall(), "bench/feed.py renders no images or previews"
    results = [
        {
            "id": row[0],
            "author": {"id": row[14], "handle": row[15], "name": row[16], "avatar": row[17]},
            "room": row[1],
            "title": row[2],
            "content": row[3],
            "kind": row[4],
            "code_language": row[5],
            "url": row[6],
            "tags": tags.get(row[0], []),
            "score": row[7],
            "upvotes": row[8],
            "downvotes": row[9],
            "my_vote": row[18],
            "comment_count": row[10],
            "created_at": iso(row[11]),
            "edited_at": iso(row[12]),
            "images": [],
            "previews": [],
        }
        for row in rows
    ]
    next_link = None
    if has_more:
        last = rows[-1]
        last_key = {"new": [last[0]], "hot": [last[13], last[0]], "top": [last[7], last[0]]}.get(
            ordering, [last[-1], last[0]]
        )
        next_link = request.build_absolute_uri("?" + "&".join(f"k={v}" for v in last_key))
    # Compact and UTF-8, as the API writes its JSON.
    return JsonResponse(
        {"next": next_link, "previous": None, "results": results},
        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False},
    )


urlpatterns = [path("bench/raw-posts/", raw_posts), path("", include("codenest.urls"))]

# --- the run -------------------------------------------------------------------------------------


def deep_key(user, ordering: str, search: str | None, fraction: float) -> tuple[list, int]:
    """The sort key of the row `fraction` of the way down the visible result set, and its depth."""
    posts = post_feed(user=user, ordering=ordering, search=search)
    fields = post_feed_ordering(ordering)
    total = posts.count()
    depth = int(total * fraction)
    row = posts.order_by(*fields)[depth]
    return [getattr(row, f.lstrip("-")) for f in fields], depth


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per side and scenario")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--deep", type=float, default=0.5, help="deep cursor position as a fraction of the rows")
    args = parser.parse_args()
    configure(__name__)
    user = bench_viewer()
    total_posts = post_feed(user=user).count()
    print(f"{total_posts} posts visible to @{user.handle}; {args.requests} requests per side and scenario\n")

    scenarios = []
    for ordering, search in (("new", None), ("hot", None), ("top", None), ("relevance", SEARCH_TERM)):
        label = f"search '{search}'" if search else ordering
        base = {"ordering": ordering, "page_size": PAGE_SIZE} | ({"search": search} if search else {})
        raw_base = {"ordering": ordering} | ({"search": search} if search else {})
        scenarios.append((f"{label} page 1", "/api/v1/posts/", base, "/bench/raw-posts/", raw_base))
        key, depth = deep_key(user, ordering, search, args.deep)
        scenarios.append(
            (
                f"{label} deep (row {depth})",
                "/api/v1/posts/",
                base | {"cursor": encode_cursor(key)},
                "/bench/raw-posts/",
                raw_base | {"k": [str(v) for v in key]},
            )
        )
    run(scenarios, headers=auth_headers(user), requests=args.requests, warmup=args.warmup)


if __name__ == "__main__":
    main()
