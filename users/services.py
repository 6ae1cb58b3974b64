"""Every write of the users app. Keyword-only, one transaction, signals after commit."""

from collections.abc import Iterable

from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from users import selectors, signals
from users.models import Block, Follow, Skill, User, UserSkill

PROFILE_FIELDS = (
    "name", "avatar", "bio", "github_url", "linkedin_url", "looking_to_collaborate", "hire_me", "portfolio_url",
    "dm_policy",
)  # fmt: skip


def normalize_skill_name(name: str) -> str:
    return " ".join(name.split()).lower()


def skills_named(names: Iterable[str]) -> list[Skill]:
    """The skills of these names (normalised), creating the missing ones; for required-skill lists."""
    wanted = {normalize_skill_name(name) for name in names} - {""}
    Skill.objects.bulk_create([Skill(name=name) for name in wanted], ignore_conflicts=True)
    return list(Skill.objects.filter(name__in=wanted))


def _check_unique_identity(*, email: str, handle: str, exclude_id: int | None = None) -> None:
    others = User.objects.exclude(pk=exclude_id) if exclude_id else User.objects.all()
    errors = {}
    if others.filter(email__iexact=email).exists():
        errors["email"] = ["A user with this e-mail address already exists."]
    if others.filter(handle__iexact=handle).exists():
        errors["handle"] = ["This handle is taken."]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_register(*, email: str, password: str, handle: str, name: str = "") -> User:
    email = User.objects.normalize_email(email).strip()
    handle = handle.lower()
    _check_unique_identity(email=email, handle=handle)
    candidate = User(email=email, handle=handle, name=name)
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}) from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, handle=handle, name=name)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError({"email": ["A user with this e-mail address or handle already exists."]}) from exc
    transaction.on_commit(lambda: signals.user_registered.send(sender=User, user=user))
    return user


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    changed = [field for field in PROFILE_FIELDS if field in data and getattr(user, field) != data[field]]
    for field in changed:
        setattr(user, field, data[field])
    if changed:
        user.save(update_fields=changed)
    if "skills" in data:
        user_set_skills(user=user, skills=data["skills"])
    return user


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["The current password is not correct."]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # A changed password ends every other session: their refresh tokens stop working.
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


@transaction.atomic
def user_set_skills(*, user: User, skills: Iterable[dict]) -> list[UserSkill]:
    """Replace the user's skills. Each item: {"skill": name, "proficiency": level}. Names are created."""
    wanted: dict[str, str] = {}
    for item in skills:
        wanted[normalize_skill_name(item["skill"])] = item["proficiency"]
    existing = {s.name: s for s in Skill.objects.filter(name__in=wanted)}
    missing = [Skill(name=name) for name in wanted if name not in existing]
    if missing:
        Skill.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {s.name: s for s in Skill.objects.filter(name__in=wanted)}
    UserSkill.objects.filter(user=user).delete()
    return UserSkill.objects.bulk_create(
        [UserSkill(user=user, skill=existing[name], proficiency=level) for name, level in wanted.items()]
    )


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> Follow:
    if follower.pk == followee.pk:
        raise ValidationError({"detail": ["You cannot follow yourself."]})
    if selectors.is_blocked_between(follower, followee):
        raise PermissionDenied("You cannot follow this user.")
    follow, created = Follow.objects.get_or_create(follower=follower, followee=followee)
    if created:
        transaction.on_commit(lambda: signals.user_followed.send(sender=Follow, follower=follower, followee=followee))
    return follow


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> None:
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    if deleted:
        transaction.on_commit(lambda: signals.user_unfollowed.send(sender=Follow, follower=follower, followee=followee))


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> tuple[Block, bool]:
    """Block `blocked` (idempotent) and end the follows between the two, both ways.

    Returns the block and whether it is new.
    """
    if blocker.pk == blocked.pk:
        raise ValidationError({"detail": ["You cannot block yourself."]})
    block, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    ended = list(
        Follow.objects.filter(
            Q(follower=blocker, followee=blocked) | Q(follower=blocked, followee=blocker)
        ).select_related("follower", "followee")
    )
    Follow.objects.filter(pk__in=[follow.pk for follow in ended]).delete()

    def announce():
        for follow in ended:
            signals.user_unfollowed.send(sender=Follow, follower=follow.follower, followee=follow.followee)
        if created:
            signals.user_blocked.send(sender=Block, blocker=blocker, blocked=blocked)

    transaction.on_commit(announce)
    return block, created


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> None:
    """Unblock (idempotent). Ended follows are not restored."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if deleted:
        transaction.on_commit(lambda: signals.user_unblocked.send(sender=Block, blocker=blocker, blocked=blocked))
