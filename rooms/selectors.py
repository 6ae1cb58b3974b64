"""Reads of the rooms app that other apps rely on: visibility and membership."""

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound

from rooms.models import Membership, Role, Room


def room_list_visible_to(user) -> QuerySet[Room]:
    """Public rooms plus the rooms the user belongs to."""
    if not getattr(user, "is_authenticated", False):
        return Room.objects.filter(is_public=True)
    return Room.objects.filter(Q(is_public=True) | Q(memberships__user=user)).distinct()


def room_ids_of_member(user) -> QuerySet:
    """A subquery of the ids of the rooms the user belongs to (empty for anonymous users)."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none().values("room_id")
    return Membership.objects.filter(user=user).values("room_id")


def room_get_for_user(*, room_id: int, user) -> Room:
    """The room if the user may see it; NotFound otherwise (a private room's existence is not leaked)."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None or not (room.is_public or membership_of(room=room, user=user)):
        raise NotFound("No such room.")
    return room


def membership_of(*, room: Room, user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Membership.objects.filter(room=room, user=user).first()


def is_room_member(*, room_id: int, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(room_id=room_id, user=user).exists()


def is_room_moderator(*, room_id: int, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(room_id=room_id, user=user, role__in=[Role.OWNER, Role.MODERATOR]).exists()
