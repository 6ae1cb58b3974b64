"""Every write of the posts app. Keyword-only, one transaction, domain signals after commit.

Counters (score, upvotes, downvotes, hot, comment_count) are only ever changed with F() expressions
inside the transaction of the change that causes them, so concurrent votes and comments add up.
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from codenest.realtime import send_signal_on_commit
from codenest.services import model_update
from posts import signals
from posts.models import MAX_COMMENT_DEPTH, PATH_SEGMENT_WIDTH, Comment, Post, PostKind, Report, ReportStatus, Tag, Vote
from posts.permissions import can_delete_comment, can_delete_post
from posts.ranking import hot_rank, hot_rank_expression
from posts.selectors import SEARCH_CONFIG
from rooms.models import Message, Room
from rooms.selectors import is_room_member, mentioned_viewers
from rooms.services import message_delete_by_staff
from uploads.previews import links_in, previews_for_text
from uploads.services import uploads_for_attaching
from users.models import User
from users.services import require_verified_email

POST_EDITABLE_FIELDS = ("title", "content", "kind", "code_language", "url")


# --- posts -------------------------------------------------------------------------------------


def _tags_named(names: list[str]) -> list[Tag]:
    names = list(dict.fromkeys(names))
    if not names:
        return []
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    return list(Tag.objects.filter(name__in=names))


def post_refresh_search_vector(*, posts: QuerySet[Post]) -> None:
    """Recompute the stored full-text vector (title weighs more than content); PostgreSQL only."""
    if settings.IS_POSTGRES:
        from django.contrib.postgres.search import SearchVector

        vector = SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
            "content", weight="B", config=SEARCH_CONFIG
        )
        posts.update(search_vector=vector)


def _check_room_for_posting(*, room_id: int, author: User) -> Room:
    room = Room.objects.chat_rooms().filter(pk=room_id).first()  # a conversation takes no posts
    is_member = room is not None and is_room_member(room_id=room.pk, user=author)
    if room is None or not (room.is_public or is_member):
        raise ValidationError({"room": ["No such room."]})
    if not is_member:
        raise PermissionDenied("Join the room to post in it.")
    if room.is_archived:
        raise PermissionDenied("The room is archived.")
    return room


@transaction.atomic
def post_create(
    *,
    author: User,
    title: str,
    content: str = "",
    kind: str = PostKind.TEXT,
    code_language: str = "",
    url: str = "",
    tags: list[str] | None = None,
    room: int | None = None,
    images: list[int] | None = None,
) -> Post:
    require_verified_email(author)
    room_obj = _check_room_for_posting(room_id=room, author=author) if room is not None else None
    pictures = uploads_for_attaching(owner=author, ids=images, field="images", images_only=True) if images else []
    now = timezone.now()
    post = Post(
        author=author,
        created_at=now,
        hot=hot_rank(score=0, created_at=now),
        room=room_obj,
        title=title,
        content=content,
        kind=kind,
        code_language=code_language,
        url=url,
    )
    post.save()
    if tags:
        post.tags.set(_tags_named(tags))
    if pictures:
        post.images.set(pictures)
    _fetch_previews_after_commit(post)
    post_refresh_search_vector(posts=Post.objects.filter(pk=post.pk))
    mentioned = mentioned_viewers(room=room_obj, text=f"{title}\n{content}", author_id=author.pk)
    send_signal_on_commit(signals.post_created, sender=Post, post=post, mentioned_users=mentioned)
    return post


@transaction.atomic
def post_update(*, post: Post, editor: User, data: dict) -> Post:
    require_verified_email(editor)
    if post.author_id != editor.pk:
        raise PermissionDenied("Only the author can edit a post.")
    merged_kind = data.get("kind", post.kind)
    merged_url = data.get("url", post.url)
    if merged_kind == PostKind.LINK and not merged_url:
        raise ValidationError({"url": ["A link post needs a url."]})
    tags_changed = "tags" in data and sorted(set(data["tags"])) != sorted(t.name for t in post.tags.all())
    changed = model_update(instance=post, fields=POST_EDITABLE_FIELDS, data=data, touch="edited_at")
    if tags_changed:
        post.tags.set(_tags_named(data["tags"]))
        if not changed:  # new tags alone are an edit too
            model_update(instance=post, fields=["edited_at"], data={"edited_at": timezone.now()})
    if {"title", "content"} & set(changed):
        post_refresh_search_vector(posts=Post.objects.filter(pk=post.pk))
    if {"url", "content"} & set(changed):
        _fetch_previews_after_commit(post, edited=True)
    return post


def _post_links_text(post: Post) -> str:
    return f"{post.url}\n{post.content}" if post.url else post.content


def _fetch_previews_after_commit(post: Post, *, edited: bool = False) -> None:
    if links_in(_post_links_text(post)) or edited:
        from posts.tasks import fetch_post_previews  # tasks import this module

        transaction.on_commit(lambda: fetch_post_previews.delay(post.pk), robust=True)


def post_attach_previews(*, post_id: int) -> Post | None:
    """Previews of the first 3 links of a post (its url first), fetched outside any transaction."""
    post = Post.objects.filter(pk=post_id).only("id", "url", "content").first()
    if post is None:
        return None
    text = _post_links_text(post)
    previews = previews_for_text(text)
    with transaction.atomic():
        current = Post.objects.select_for_update().filter(pk=post_id).only("id", "url", "content").first()
        if current is not None and _post_links_text(current) == text:
            current.previews.set(previews)
    return current


@transaction.atomic
def post_delete(*, post: Post, actor: User) -> None:
    if not can_delete_post(post=post, user=actor):
        raise PermissionDenied("Only the author, the room's moderators or staff can delete a post.")
    _remove_post(post)


def _remove_post(post: Post) -> None:
    post_id = post.pk
    post.delete()
    post.pk = post_id
    send_signal_on_commit(signals.post_deleted, sender=Post, post=post)


# --- comments ----------------------------------------------------------------------------------


def _path_segment(comment_id: int) -> str:
    return str(comment_id).zfill(PATH_SEGMENT_WIDTH)


@transaction.atomic
def comment_create(*, post: Post, author: User, content: str, parent: int | None = None) -> Comment:
    require_verified_email(author)
    parent_obj = None
    if parent is not None:
        parent_obj = Comment.objects.filter(pk=parent, post=post).first()
        if parent_obj is None:
            raise ValidationError({"parent": ["No such comment on this post."]})
        if parent_obj.is_deleted:
            raise ValidationError({"parent": ["That comment was deleted."]})
        if parent_obj.depth + 1 > MAX_COMMENT_DEPTH:
            raise ValidationError({"parent": [f"Threads nest at most {MAX_COMMENT_DEPTH} levels deep."]})
    comment = Comment.objects.create(
        post=post,
        author=author,
        parent=parent_obj,
        depth=parent_obj.depth + 1 if parent_obj else 0,
        content=content,
    )
    # The path needs the comment's own id, known only after the insert.
    comment.path = (parent_obj.path if parent_obj else "") + _path_segment(comment.pk)
    comment.save(update_fields=["path"])
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    mentioned = mentioned_viewers(room=post.room, text=content, author_id=author.pk)
    comment.post = post
    send_signal_on_commit(signals.comment_created, sender=Comment, comment=comment, mentioned_users=mentioned)
    return comment


@transaction.atomic
def comment_update(*, comment: Comment, editor: User, content: str) -> Comment:
    require_verified_email(editor)
    if comment.author_id != editor.pk:
        raise PermissionDenied("Only the author can edit a comment.")
    if comment.is_deleted:
        raise ValidationError({"content": ["A deleted comment cannot be edited."]})
    if content != comment.content:
        comment.content = content
        comment.edited_at = timezone.now()
        comment.save(update_fields=["content", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, comment: Comment, actor: User) -> Comment:
    if not can_delete_comment(comment=comment, user=actor):
        raise PermissionDenied("Only the author, the room's moderators or staff can delete a comment.")
    return _soft_delete_comment(comment)


def _soft_delete_comment(comment: Comment) -> Comment:
    # Soft: replies keep their place in the thread. The filter makes a repeated delete a no-op.
    removed = Comment.objects.filter(pk=comment.pk, is_deleted=False).update(is_deleted=True, content="")
    if removed:
        Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - 1)
    comment.is_deleted, comment.content = True, ""
    return comment


# --- votes -------------------------------------------------------------------------------------


def _locked_vote(*, voter: User, target: Post | Comment) -> Vote:
    """The voter's vote row on the target, locked; created (value 0) when missing.

    A concurrent first vote by the same user hits the unique constraint; the loser then locks the
    winner's row, so the two votes apply one after the other.
    """
    field = "post" if isinstance(target, Post) else "comment"
    votes = Vote.objects.select_for_update().filter(user=voter, **{field: target})
    vote = votes.first()
    if vote is not None:
        return vote
    try:
        with transaction.atomic():
            return Vote.objects.create(user=voter, value=0, **{field: target})
    except IntegrityError:
        return votes.get()


@transaction.atomic
def vote_cast(*, voter: User, target: Post | Comment, value: int) -> Vote:
    if value not in (-1, 0, 1):
        raise ValidationError({"value": ["Must be 1, 0 or -1."]})
    if target.author_id == voter.pk:
        raise ValidationError({"value": ["You cannot vote on your own content."]})
    if isinstance(target, Comment) and target.is_deleted and value != 0:
        raise ValidationError({"value": ["That comment was deleted."]})
    vote = _locked_vote(voter=voter, target=target)
    previous = vote.value
    if previous == value:
        return vote
    vote.value = value
    vote.save(update_fields=["value", "updated_at"])
    counters = {
        "score": F("score") + (value - previous),
        "upvotes": F("upvotes") + ((value == 1) - (previous == 1)),
        "downvotes": F("downvotes") + ((value == -1) - (previous == -1)),
    }
    if isinstance(target, Post):
        counters["hot"] = hot_rank_expression(score_delta=value - previous, created_at=target.created_at)
    type(target).objects.filter(pk=target.pk).update(**counters)
    author = target.author
    send_signal_on_commit(
        signals.vote_cast,
        sender=type(target),
        target=target,
        voter=voter,
        value=value,
        previous_value=previous,
        author=author,
        karma_delta=value - previous,
    )
    return vote


# --- reports and moderation --------------------------------------------------------------------


def _report_create(*, reporter: User, reason: str, author_id: int | None, snapshot: str, **target: Any) -> Report:
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter, reason=reason, content_author_id=author_id, content_snapshot=snapshot, **target
            )
    except IntegrityError as exc:
        raise ValidationError({"reason": ["You already reported this; a moderator will look at it."]}) from exc


@transaction.atomic
def report_create_for_post(*, reporter: User, post: Post, reason: str) -> Report:
    snapshot = f"{post.title}\n\n{post.content}"
    return _report_create(reporter=reporter, reason=reason, author_id=post.author_id, snapshot=snapshot, post=post)


@transaction.atomic
def report_create_for_comment(*, reporter: User, comment: Comment, reason: str) -> Report:
    if comment.is_deleted:
        raise ValidationError({"reason": ["That comment was already removed."]})
    return _report_create(
        reporter=reporter, reason=reason, author_id=comment.author_id, snapshot=comment.content, comment=comment
    )


@transaction.atomic
def report_create_for_message(*, reporter: User, message: Message, reason: str) -> Report:
    if message.is_deleted:
        raise ValidationError({"reason": ["That message was already removed."]})
    return _report_create(
        reporter=reporter, reason=reason, author_id=message.author_id, snapshot=message.content, message=message
    )


def _close_report(*, report: Report, moderator: User, status: str) -> None:
    report.status, report.handled_by, report.handled_at = status, moderator, timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])


@transaction.atomic
def report_resolve(*, report: Report, moderator: User) -> Report:
    """Close the report without touching the content."""
    _close_report(report=report, moderator=moderator, status=ReportStatus.RESOLVED)
    return report


@transaction.atomic
def report_remove_content(*, report: Report, moderator: User) -> Report:
    """Remove the reported content (post deleted, comment or message blanked) and close every open report on it."""
    if report.post_id:
        others = Report.objects.filter(post_id=report.post_id)
        post = Post.objects.get(pk=report.post_id)
        _close_all(others, moderator=moderator)
        _remove_post(post)
    elif report.comment_id:
        _close_all(Report.objects.filter(comment_id=report.comment_id), moderator=moderator)
        _soft_delete_comment(Comment.objects.get(pk=report.comment_id))
    elif report.message_id:
        _close_all(Report.objects.filter(message_id=report.message_id), moderator=moderator)
        # Through the rooms service, so open chat sockets see the removal as they would any delete.
        message_delete_by_staff(message=Message.objects.get(pk=report.message_id))
    report.refresh_from_db()
    if report.status == ReportStatus.OPEN:
        _close_report(report=report, moderator=moderator, status=ReportStatus.REMOVED)
    return report


def _close_all(reports: QuerySet[Report], *, moderator: User) -> None:
    reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.REMOVED, handled_by=moderator, handled_at=timezone.now()
    )


@transaction.atomic
def report_ban_author(*, report: Report, moderator: User) -> Report:
    """Deactivate the content's author (log-in refused, profile hidden) and close the report."""
    if report.content_author_id is None:
        raise ValidationError({"report": ["The content's author is gone."]})
    if report.content_author_id == moderator.pk:
        raise ValidationError({"report": ["You cannot ban yourself."]})
    User.objects.filter(pk=report.content_author_id).update(is_active=False)
    if report.status == ReportStatus.OPEN:
        _close_report(report=report, moderator=moderator, status=ReportStatus.RESOLVED)
    return report
