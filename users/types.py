"""Types the apps share about users."""

from typing import TypeGuard

from django.contrib.auth.models import AnonymousUser

from users.models import User

# Whom a read is for: a signed-in user or an anonymous visitor (request.user is one or the other).
Viewer = User | AnonymousUser


def is_signed_in(user: Viewer | None) -> TypeGuard[User]:
    """True for a signed-in user; tells the type checker that `user` is a User from then on."""
    return bool(getattr(user, "is_authenticated", False))
