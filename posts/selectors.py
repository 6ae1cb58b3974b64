"""Reads of the posts app: visibility, feeds, ranking, search, threads. Each list is a fixed number
of queries: the rows with author and my_vote in one statement, plus one for the tags of the page."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, FloatField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from api.params import MAX_ID, is_plain_integer
from codenest.errors import NotFound
from listing.keyset import PageRequest, keyset_filter
from listing.rows import linked_instances
from listing.shapes import QueryShapes
from posts.models import Comment, Post, Tag, Vote
from rooms.selectors import room_ids_of_member, room_ids_visible_to
from uploads.models import LinkPreview, Upload
from users.models import Follow, User
from users.selectors import user_summary_columns
from users.types import Viewer, is_signed_in

TOP_PERIODS = {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30), "all": None}
SEARCH_CONFIG = "english"


def uploads_readable_through_posts(user: Viewer) -> Q:
    """Images of the posts the user may see (registered with uploads.access)."""
    return Q(posts__room__isnull=True, posts__isnull=False) | Q(posts__room_id__in=room_ids_visible_to(user=user))


def _visibility(user: Viewer) -> Q:
    return Q(room__isnull=True) | Q(room_id__in=room_ids_visible_to(user=user))


def _my_vote(user: Viewer, target: str) -> Coalesce | Value:
    if not is_signed_in(user):
        return Value(0, output_field=IntegerField())
    votes = Vote.objects.filter(user=user, **{target: OuterRef("pk")}).values("value")[:1]
    return Coalesce(Subquery(votes, output_field=IntegerField()), Value(0))


def _posts_visible_to(user: Viewer) -> QuerySet[Post]:
    """Posts the user may see with author and my_vote, in one statement."""
    return (
        Post.objects.filter(_visibility(user))
        .select_related("author")
        .defer("search_vector")
        .annotate(my_vote=_my_vote(user, "post"))
    )


def post_list_visible_to(user: Viewer) -> QuerySet[Post]:
    """Posts the user may see, shaped for PostSerializer (author, my_vote; tags, images, previews prefetched)."""
    tags = Prefetch("tags", queryset=Tag.objects.only("id", "name").order_by("name"))
    return _posts_visible_to(user).prefetch_related(tags, "images", "previews")


def _in_list(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


def post_page_related(posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Set `tag_names`, `image_list` and `preview_list` on a page of post rows (POST_ROW_FIELDS dicts), in
    three queries.

    The same three reads as the prefetches of post_list_visible_to, written as SQL: building and
    compiling three ORM querysets, plus the queryset Django's prefetch makes per post and relation,
    cost more than the rows themselves on a feed page. posts.serializers.post_data reads these keys.
    """
    by_id: dict[int, dict[str, Any]] = {post["id"]: post for post in posts}
    for post in by_id.values():
        post["tag_names"], post["image_list"], post["preview_list"] = [], [], []
    if not by_id:
        return posts
    ids = list(by_id)
    marks = _in_list(ids)
    post_tags, post_images = Post.tags.through._meta.db_table, Post.images.through._meta.db_table
    post_previews = Post.previews.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pt.post_id, t.name FROM {Tag._meta.db_table} t JOIN {post_tags} pt ON pt.tag_id = t.id "
            f"WHERE pt.post_id IN ({marks}) ORDER BY t.name",
            ids,
        )
        for post_id, name in cursor.fetchall():
            by_id[post_id]["tag_names"].append(name)
        images = linked_instances(Upload, post_images, "upload_id", "post_id", ids)
        for post_id, upload in images:
            by_id[post_id]["image_list"].append(upload)
        previews = linked_instances(LinkPreview, post_previews, "linkpreview_id", "post_id", ids)
        for post_id, preview in previews:
            if preview.ok:
                by_id[post_id]["preview_list"].append(preview)
    return posts


_VISIBLE_POSTS = QueryShapes()


def post_check_visible(*, post_id: int, user: Viewer) -> Post:
    """The post for reading its comments: only its id, NotFound when the user may not see it.

    One statement (post_get_visible reads the post with its tags, images and previews: four), its SQL
    compiled once per shape.
    """
    values = {"post": post_id} | ({"user": user.pk} if is_signed_in(user) else {})

    def build(v: dict[str, Any]) -> QuerySet:
        return Post.objects.filter(_visibility(_viewer_of(v)), pk=v["post"]).values("id")[:1]

    if not _VISIBLE_POSTS.rows(("visible", is_signed_in(user)), values, build):
        raise NotFound("No such post.")
    return Post(pk=post_id)


def post_get_visible(*, post_id: int, user: Viewer) -> Post:
    post = post_list_visible_to(user).filter(pk=post_id).first()
    if post is None:
        raise NotFound("No such post.")
    return post


@dataclass(frozen=True)
class FeedFilters:
    """A feed's filters as query values: each one None when absent, already normalized (so the value
    that reaches the SQL is the one given here, which listing.shapes relies on)."""

    room_id: int | None = None
    author_id: int | None = None
    author_handle: str | None = None
    no_author: bool = False  # an author id beyond any row's: nothing matches
    tag: str | None = None
    since: datetime | None = None
    search: str | None = None

    def values(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in _FILTER_VALUES}
        return {name: value for name, value in values.items() if value is not None}

    def shape(self) -> tuple:
        """Which filters are present: what decides the SQL's shape (not the values)."""
        return (self.no_author, *sorted(self.values()))


_FILTER_VALUES = ("room_id", "author_id", "author_handle", "tag", "since", "search")


def feed_filters(
    *,
    ordering: str = "new",
    period: str = "all",
    room_id: int | None = None,
    author: str | None = None,
    tag: str | None = None,
    search: str | None = None,
) -> FeedFilters:
    author_id = author_handle = None
    no_author = False
    if author:
        if not is_plain_integer(author):
            author_handle = author.lower()
        elif int(author) <= MAX_ID:
            author_id = int(author)
        else:
            no_author = True
    since = None
    if ordering == "top" and TOP_PERIODS.get(period):
        since = timezone.now() - TOP_PERIODS[period]  # type: ignore[operator]  # TOP_PERIODS.get(period) is checked above
    return FeedFilters(
        room_id=room_id,
        author_id=author_id,
        author_handle=author_handle,
        no_author=no_author,
        tag=tag.strip().lower() if tag else None,
        since=since,
        search=search or None,
    )


def _feed(user: Viewer, filters: FeedFilters) -> QuerySet[Post]:
    posts = _posts_visible_to(user)
    if filters.room_id is not None:
        posts = posts.filter(room_id=filters.room_id)
    if filters.author_id is not None:
        posts = posts.filter(author_id=filters.author_id)
    if filters.author_handle is not None:
        posts = posts.filter(author__handle=filters.author_handle)
    if filters.no_author:
        posts = posts.filter(pk__in=[])
    if filters.tag is not None:
        posts = posts.filter(tags__name=filters.tag)
    if filters.since is not None:
        posts = posts.filter(created_at__gte=filters.since)
    if filters.search is not None:
        posts = _search(posts, filters.search)
    return posts


def post_feed(*, user: Viewer, **params: Any) -> QuerySet[Post]:
    """The global feed for feed_filters(**params) (ordering, period, room_id, author, tag, search). The
    caller's paginator orders it by `post_feed_ordering(ordering, search)`. Lists read their pages with
    post_feed_page, which runs this queryset's SQL."""
    return _feed(user, feed_filters(**params))


# What post_data writes, read as .values() rows: no model instances (each Post + author instance cost
# ~80 µs to build, more than its share of the SQL), and only the author columns the summary shows.
POST_ROW_FIELDS = (
    "id",
    "room_id",
    "title",
    "content",
    "kind",
    "code_language",
    "url",
    "score",
    "upvotes",
    "downvotes",
    "comment_count",
    "created_at",
    "edited_at",
    "hot",
    "my_vote",
    *user_summary_columns("author"),
)
_FEED_PAGES = QueryShapes()
_THREAD_PAGES = QueryShapes()
# Cursor key parts compared with float columns: bound as floats whatever the cursor's JSON spelled.
_FLOAT_KEYS = {"hot", "rank"}


def _keyset_page(
    shapes: QueryShapes,
    shape: tuple,
    values: dict[str, Any],
    rows_of: Callable[[dict[str, Any]], QuerySet],
    *,
    fields: tuple[str, ...],
    page: PageRequest,
) -> list[dict[str, Any]]:
    """The page of .values() rows of `rows_of(values)` in the keyset ordering `fields` (the reader of
    KeysetCursorPagination.paginate_rows), its SQL compiled once per shape (listing.shapes)."""
    values = dict(values)
    for position, part in enumerate(page.key or ()):
        values[f"k{position}"] = float(part) if fields[position].lstrip("-") in _FLOAT_KEYS else part
    has_key = page.key is not None

    def build(v: dict[str, Any]) -> QuerySet:
        rows = rows_of(v)
        if has_key:
            key = [v[f"k{i}"] for i in range(len(fields))]
            rows = keyset_filter(rows, fields, key, backwards=page.backwards)
        return rows.order_by(*page.order)[: page.limit]

    return shapes.rows((*shape, has_key, page.backwards, page.order, page.limit), values, build)


def _viewer_of(values: dict[str, Any]) -> Viewer:
    """The viewer as far as a list's SQL needs one: its id (`values["user"]`), or anonymous."""
    return User(pk=values["user"]) if "user" in values else AnonymousUser()


def post_feed_page(*, user: Viewer, ordering: str, filters: FeedFilters, page: PageRequest) -> list[dict[str, Any]]:
    """A page of the global feed as .values() rows (POST_ROW_FIELDS, plus `rank` when searching).

    The SQL is post_feed's queryset's, compiled once per shape: building and compiling the
    visibility, my_vote and keyset parts cost more per request than the page's SQL.
    """
    fields = post_feed_ordering(ordering)
    values = filters.values() | ({"user": user.pk} if is_signed_in(user) else {})
    columns = (*POST_ROW_FIELDS, "rank") if "rank" in {f.lstrip("-") for f in fields} else POST_ROW_FIELDS

    def rows_of(v: dict[str, Any]) -> QuerySet:
        filtered = FeedFilters(no_author=filters.no_author, **{n: v.get(n) for n in _FILTER_VALUES})
        return _feed(_viewer_of(v), filtered).values(*columns)

    shape = ("feed", is_signed_in(user), ordering, filters.shape())
    return _keyset_page(_FEED_PAGES, shape, values, rows_of, fields=fields, page=page)


FEED_ORDERINGS = {"new": ("-id",), "hot": ("-hot", "-id"), "top": ("-score", "-id")}


def post_feed_ordering(ordering: str) -> tuple[str, ...]:
    """Keyset ordering of a feed: every one ends in the unique id so cursors are exact and stable."""
    if ordering == "relevance":
        # Ranked search on PostgreSQL; the SQLite fallback has no rank and lists newest first.
        return ("-rank", "-id") if settings.IS_POSTGRES else ("-id",)
    return FEED_ORDERINGS[ordering]


def _search(posts: QuerySet[Post], search: str) -> QuerySet[Post]:
    if settings.IS_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)
        # ts_rank is a float4; as float8 its exact value survives the trip through a cursor.
        rank = Cast(SearchRank(F("search_vector"), query), FloatField())
        return posts.filter(search_vector=query).annotate(rank=rank)
    return posts.filter(Q(title__icontains=search) | Q(content__icontains=search))


def personal_feed(*, user: User) -> QuerySet:
    """Posts by people the user follows and from rooms the user belongs to, as POST_ROW_FIELDS rows (the
    caller orders by -id and completes the page with `post_page_related`)."""
    followed = Follow.objects.filter(follower=user).values("followee_id")
    posts = _posts_visible_to(user).filter(Q(author_id__in=followed) | Q(room_id__in=room_ids_of_member(user)))
    return posts.values(*POST_ROW_FIELDS)


# What comment_data writes, read as .values() rows (no model instances).
COMMENT_ROW_FIELDS = (
    "id",
    "post_id",
    "parent_id",
    "depth",
    "path",
    "content",
    "score",
    "my_vote",
    "created_at",
    "edited_at",
    "is_deleted",
    *user_summary_columns("author"),
)


def comment_thread_page(*, post: Post, user: Viewer, page: PageRequest) -> list[dict[str, Any]]:
    """A page of the post's thread (comment_list_for_post) as COMMENT_ROW_FIELDS rows, in thread order."""
    values = {"post": post.pk} | ({"user": user.pk} if is_signed_in(user) else {})

    def rows_of(v: dict[str, Any]) -> QuerySet:
        return comment_list_for_post(post=Post(pk=v["post"]), user=_viewer_of(v)).values(*COMMENT_ROW_FIELDS)

    shape = ("thread", is_signed_in(user))
    return _keyset_page(_THREAD_PAGES, shape, values, rows_of, fields=("path",), page=page)


def comment_list_for_post(*, post: Post, user: Viewer) -> QuerySet[Comment]:
    """The post's thread in order (each reply right after its parent): one index range on (post, path)."""
    return Comment.objects.filter(post=post).select_related("author").annotate(my_vote=_my_vote(user, "comment"))


def comment_get_visible(*, comment_id: int, user: Viewer) -> Comment:
    comment = comment_list_visible_to(user=user).filter(pk=comment_id).select_related("post", "post__room").first()
    if comment is None:
        raise NotFound("No such comment.")
    return comment


def comment_list_visible_to(*, user: Viewer) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(Q(post__room__isnull=True) | Q(post__room_id__in=room_ids_visible_to(user=user)))
        .select_related("author")
        .annotate(my_vote=_my_vote(user, "comment"))
    )
