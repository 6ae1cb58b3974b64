"""Reads of the posts app: visibility, feeds, ranking, search, threads. Each list is a fixed number
of queries: the rows with author and my_vote in one statement, plus one for the tags of the page."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import F, FloatField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from api.params import MAX_ID, is_plain_integer
from codenest.errors import NotFound
from posts.models import Comment, Post, Tag, Vote
from rooms.selectors import room_ids_of_member, room_ids_visible_to
from uploads.models import LinkPreview, Upload
from users.models import Follow, User
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


def post_page_related(posts: list[Post]) -> list[Post]:
    """Set `tag_names`, `image_list` and `preview_list` on a page of posts, in three queries.

    The same three reads as the prefetches of post_list_visible_to, written as SQL: building and
    compiling three ORM querysets, plus the queryset Django's prefetch makes per post and relation,
    cost more than the rows themselves on a feed page. posts.serializers.post_data reads these attributes.
    """
    by_id: dict[int, Any] = {post.pk: post for post in posts}  # gains tag_names, image_list, preview_list
    for post in by_id.values():
        post.tag_names, post.image_list, post.preview_list = [], [], []
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
            by_id[post_id].tag_names.append(name)
    images = Upload.objects.raw(
        f"SELECT u.*, pi.post_id AS page_post_id FROM {Upload._meta.db_table} u "
        f"JOIN {post_images} pi ON pi.upload_id = u.id WHERE pi.post_id IN ({marks}) ORDER BY u.id",
        ids,
    )
    upload: Any  # with the page_post_id the query selects
    for upload in images:
        by_id[upload.page_post_id].image_list.append(upload)
    previews = LinkPreview.objects.raw(
        f"SELECT lp.*, pp.post_id AS page_post_id FROM {LinkPreview._meta.db_table} lp "
        f"JOIN {post_previews} pp ON pp.linkpreview_id = lp.id WHERE pp.post_id IN ({marks}) ORDER BY lp.id",
        ids,
    )
    preview: Any
    for preview in previews:
        if preview.ok:
            by_id[preview.page_post_id].preview_list.append(preview)
    return posts


def post_get_visible(*, post_id: int, user: Viewer) -> Post:
    post = post_list_visible_to(user).filter(pk=post_id).first()
    if post is None:
        raise NotFound("No such post.")
    return post


def _resolve_author(author: str) -> Q:
    if is_plain_integer(author):
        return Q(author_id=int(author)) if int(author) <= MAX_ID else Q(pk__in=[])
    return Q(author__handle=author.lower())


def post_feed(
    *,
    user: Viewer,
    ordering: str = "new",
    period: str = "all",
    room_id: int | None = None,
    author: str | None = None,
    tag: str | None = None,
    search: str | None = None,
) -> QuerySet[Post]:
    """The global feed. The caller's paginator orders it by `post_feed_ordering(ordering, search)`;
    the caller completes the page with `post_page_related`."""
    posts = _posts_visible_to(user)
    if room_id is not None:
        posts = posts.filter(room_id=room_id)
    if author:
        posts = posts.filter(_resolve_author(author))
    if tag:
        posts = posts.filter(tags__name=tag.strip().lower())
    if ordering == "top" and TOP_PERIODS.get(period):
        posts = posts.filter(created_at__gte=timezone.now() - TOP_PERIODS[period])  # type: ignore[operator]  # TOP_PERIODS.get(period) is checked above
    if search:
        posts = _search(posts, search)
    return posts


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


def personal_feed(*, user: User) -> QuerySet[Post]:
    """Posts by people the user follows and from rooms the user belongs to (the caller orders by -id and
    completes the page with `post_page_related`)."""
    followed = Follow.objects.filter(follower=user).values("followee_id")
    return _posts_visible_to(user).filter(Q(author_id__in=followed) | Q(room_id__in=room_ids_of_member(user)))


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
