"""Object rules of the posts app: who may delete what. Services enforce them; views and admin ask."""

from rooms.selectors import is_room_moderator


def can_delete_post(*, post, user) -> bool:
    """The author, the post's room's owner and moderators, and staff."""
    if post.author_id == user.pk or user.is_staff:
        return True
    return post.room_id is not None and is_room_moderator(room_id=post.room_id, user=user)


def can_delete_comment(*, comment, user) -> bool:
    """The author, the room's owner and moderators (for comments on a room's post), and staff."""
    if comment.author_id == user.pk or user.is_staff:
        return True
    room_id = comment.post.room_id
    return room_id is not None and is_room_moderator(room_id=room_id, user=user)
