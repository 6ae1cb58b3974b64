"""Who may do what inside a room. Services call these; views only map the outcome to 403/404."""

from typing import TypeGuard

from django.core.exceptions import PermissionDenied

from rooms.models import Membership, Role

# REST posts and socket sends count against one per-user chat budget.
CHAT_RATE_GROUP = "chat.message"

_RANK: dict[str | None, int] = {Role.MEMBER: 0, Role.MODERATOR: 1, Role.OWNER: 2}


def role_rank(role: str | None) -> int:
    return _RANK.get(role, -1)


def can_moderate(membership: Membership | None) -> TypeGuard[Membership]:
    return membership is not None and membership.role in (Role.OWNER, Role.MODERATOR)


def is_owner(membership: Membership | None) -> TypeGuard[Membership]:
    return membership is not None and membership.role == Role.OWNER


def require_member(membership: Membership | None) -> Membership:
    if membership is None:
        raise PermissionDenied("Only members of this room may do that.")
    return membership


def require_moderator(membership: Membership | None) -> Membership:
    if not can_moderate(membership):
        raise PermissionDenied("Only the room's owners and moderators may do that.")
    return membership


def require_owner(membership: Membership | None) -> Membership:
    if not is_owner(membership):
        raise PermissionDenied("Only the room's owners may do that.")
    return membership


def require_outranks(actor: Membership, target_role: str | None) -> None:
    """Owners act on anyone below owner; moderators only on plain members (and non-members)."""
    if role_rank(actor.role) <= role_rank(target_role):
        raise PermissionDenied("You cannot do that to someone with the same or a higher role.")
