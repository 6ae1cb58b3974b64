"""Reads of the notifications app: a recipient's own notifications, preferences, digest content."""

from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Count, Q, QuerySet

from listing.rows import RowsWindow
from listing.shapes import QueryShapes
from notifications.models import EmailDigest, Notification, NotificationPreference
from rooms.conversations.selectors import unread_conversations_count
from rooms.selectors import room_ids_of_member, room_ids_visible_to
from users.models import Follow, User
from users.selectors import user_summary_columns

DIGEST_MAX_NOTIFICATIONS = 20
DIGEST_MAX_POSTS = 5


def notification_list(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first (index recipient, -id)."""
    notifications = Notification.objects.filter(recipient=user).select_related("actor").order_by("-id")
    if unread is not None:
        notifications = notifications.filter(is_read=not unread)
    return notifications


# What notification_data writes, read as .values() rows (no model instances).
NOTIFICATION_ROW_FIELDS = (
    "id",
    "verb",
    "message",
    "link",
    "target_type",
    "target_id",
    "data",
    "is_read",
    "created_at",
    *user_summary_columns("actor"),
)
_NOTIFICATION_PAGES = QueryShapes()


def notification_rows(*, user: User, unread: bool | None = None) -> RowsWindow:
    """notification_list's rows for PagePagination as NOTIFICATION_ROW_FIELDS dicts, their SQL compiled once
    per shape (listing.shapes)."""

    def build(v: dict[str, Any]) -> QuerySet:
        return notification_list(user=User(pk=v["user"]), unread=unread).values(*NOTIFICATION_ROW_FIELDS)

    return _NOTIFICATION_PAGES.window(("notifications", unread), {"user": user.pk}, build)


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, is_read=False).count()


def unread_counts(*, user_ids: list[int]) -> dict[int, int]:
    """unread_count for many users in one query (0 for those with none)."""
    rows = (
        Notification.objects.filter(recipient_id__in=user_ids, is_read=False)
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    return {user_id: 0 for user_id in user_ids} | dict(rows)


def preference_of(*, user: User) -> NotificationPreference:
    """Saved preferences, or the defaults (unsaved) for a user who never changed them."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user)


def muted_verbs_by_user(*, user_ids: list[int]) -> dict[int, set[str]]:
    rows = NotificationPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "muted_verbs")
    return {user_id: set(verbs or []) for user_id, verbs in rows}


def digest_recipients(*, period: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, notification_preference__email_digest=EmailDigest(period).value
    ).order_by("id")


def digest_notifications(*, user: User, since: datetime) -> list[Notification]:
    notifications = notification_list(user=user, unread=True).filter(created_at__gte=since)
    return list(notifications[:DIGEST_MAX_NOTIFICATIONS])


def digest_unread_conversations(*, user: User) -> int:
    """How many of the user's conversations hold messages they have not read (muted ones aside)."""
    return unread_conversations_count(user=user)


def digest_top_posts(*, user: User, since: datetime, until: datetime) -> list:
    """The period's best posts from the user's rooms and from the people they follow (visible to them)."""
    Post = apps.get_model("posts", "Post")
    my_rooms = room_ids_of_member(user)
    followed = Follow.objects.filter(follower=user).values("followee_id")
    visible_to_me = Q(room__isnull=True) | Q(room_id__in=room_ids_visible_to(user=user))
    posts = (
        Post.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(Q(room_id__in=my_rooms) | (Q(author_id__in=followed) & visible_to_me))
        .exclude(author=user)
        .select_related("author", "room")
        .order_by("-score", "-id")
    )
    return list(posts[:DIGEST_MAX_POSTS])
