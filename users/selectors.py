"""Reads of the users app that need care: fixed query counts, no private data."""

import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from rest_framework.exceptions import NotFound

from users.models import Block, Follow, Skill, User, UserSkill

# "@alice" but not "bob@alice.dev": a mention starts the text or follows a non-word character.
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9_-]{3,30})(?![\w-])", re.IGNORECASE)
MAX_MENTIONS = 20

_skills_prefetch = Prefetch("user_skills", queryset=UserSkill.objects.select_related("skill"))


def user_list(*, search: str | None = None) -> QuerySet[User]:
    users = User.objects.prefetch_related(_skills_prefetch).order_by("id")
    if search:
        users = users.filter(Q(handle__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search))
    return users


def user_get_profile(*, user_id: int, viewer) -> User:
    """A public profile with counts and whether the viewer follows it."""
    users = User.objects.filter(pk=user_id, is_active=True).prefetch_related(_skills_prefetch)
    if hasattr(User, "user_badges"):  # gamification's reverse relation; users never imports it
        users = users.prefetch_related("user_badges__badge")
    users = users.annotate(
        followers_count=Count("follower_links", distinct=True),
        following_count=Count("following_links", distinct=True),
    )
    if viewer.is_authenticated:
        users = users.annotate(is_following=Exists(Follow.objects.filter(follower=viewer, followee=OuterRef("pk"))))
    user = users.first()
    if user is None:
        raise NotFound("No such user.")
    if not viewer.is_authenticated:
        user.is_following = False
    return user


def user_get_active(*, user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("No such user.")
    return user


def user_skills(*, user: User) -> QuerySet[UserSkill]:
    return UserSkill.objects.filter(user=user).select_related("skill").order_by("skill__name")


def followers_of(*, user: User) -> QuerySet[User]:
    return User.objects.filter(following_links__followee=user, is_active=True).order_by("-following_links__id")


def followed_by(*, user: User) -> QuerySet[User]:
    return User.objects.filter(follower_links__follower=user, is_active=True).order_by("-follower_links__id")


def skill_list(*, search: str | None = None) -> QuerySet[Skill]:
    skills = Skill.objects.order_by("name")
    if search:
        skills = skills.filter(name__icontains=search.strip().lower())
    return skills


def users_mentioned_in(text: str, *, exclude_id: int | None = None) -> list[User]:
    """Active users @mentioned in `text` (at most MAX_MENTIONS), in one query.

    `exclude_id` is the author: they are left out, and so is everyone with a block between them and
    the author (a blocked user's mention notifies nobody who blocked them, and the reverse).
    Callers narrow the list to those who may see the place the text is in.
    """
    handles = list(dict.fromkeys(h.lower() for h in MENTION_RE.findall(text or "")))[:MAX_MENTIONS]
    if not handles:
        return []
    users = User.objects.filter(handle__in=handles, is_active=True)
    if exclude_id is not None:
        users = users.exclude(pk=exclude_id).exclude(
            Exists(Block.objects.filter(blocker_id=exclude_id, blocked=OuterRef("pk")))
            | Exists(Block.objects.filter(blocker=OuterRef("pk"), blocked_id=exclude_id))
        )
    return list(users)


# --- blocking --------------------------------------------------------------------------------
# A block works both ways: whoever blocked whom, the two no longer follow, message or mention each
# other, and neither finds the other in the people directory. Other apps (direct messages, mention
# notifications) ask these two functions rather than reading Block themselves.


def is_blocked_between(a, b) -> bool:
    """True when `a` blocked `b` or `b` blocked `a` (users or user ids). One query."""
    a_id, b_id = getattr(a, "pk", a), getattr(b, "pk", b)
    if a_id is None or b_id is None:
        return False
    return Block.objects.filter(Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)).exists()


def blocked_user_ids(user) -> set[int]:
    """Ids of everyone `user` blocked or was blocked by (a user or a user id). One query."""
    user_id = getattr(user, "pk", user)
    if user_id is None:
        return set()
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user_id}


def blocks_made_by(*, user: User) -> QuerySet[Block]:
    """The people `user` blocked, newest first, for `GET users/me/blocks/`."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")
