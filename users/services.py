"""Every write of the users app. Keyword-only, one transaction, signals after commit."""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from social_django.models import UserSocialAuth

from api.exceptions import CodedPermissionDenied
from codenest.realtime import send_signal_on_commit
from users import emails, github, selectors, signals
from users.avatars import delete_avatar_file
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
    send_signal_on_commit(signals.user_registered, sender=User, user=user)
    _send_verification_on_commit(user)
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
    if "email" in data:
        email_change(user=user, new_email=data["email"], password=data.get("password", ""))
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
    _revoke_refresh_tokens(user)


def _revoke_refresh_tokens(user: User) -> None:
    """Blacklist every outstanding refresh token of `user` (access tokens lapse within minutes)."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in outstanding], ignore_conflicts=True
    )


def _validated_password(password: str, *, user: User, field: str) -> str:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: list(exc.messages)}) from exc
    return password


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
        send_signal_on_commit(signals.user_followed, sender=Follow, follower=follower, followee=followee)
    return follow


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> None:
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    if deleted:
        send_signal_on_commit(signals.user_unfollowed, sender=Follow, follower=follower, followee=followee)


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

    for follow in ended:
        send_signal_on_commit(
            signals.user_unfollowed, sender=Follow, follower=follow.follower, followee=follow.followee
        )
    if created:
        send_signal_on_commit(signals.user_blocked, sender=Block, blocker=blocker, blocked=blocked)
    return block, created


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> None:
    """Unblock (idempotent). Ended follows are not restored."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    if deleted:
        send_signal_on_commit(signals.user_unblocked, sender=Block, blocker=blocker, blocked=blocked)


# --- e-mail verification -----------------------------------------------------------------------


def _send_verification_on_commit(user: User) -> None:
    from users.tasks import send_verification_email  # tasks import this module's neighbours

    user_id = user.pk
    transaction.on_commit(lambda: send_verification_email.delay(user_id))


def email_verification_resend(*, user: User) -> None:
    if user.email_verified:
        raise ValidationError({"detail": ["Your e-mail address is already verified."]})
    _send_verification_on_commit(user)


@transaction.atomic
def email_verify(*, key: str) -> User:
    """Mark the address named by a verification key as verified (idempotent while the key is valid)."""
    bad = ValidationError({"key": ["This verification link is invalid or has expired."]})
    payload = emails.read_email_verification_key(key)
    if payload is None:
        raise bad
    user = User.objects.select_for_update().filter(pk=payload["user"], is_active=True, erased_at__isnull=True).first()
    if user is None or user.email.lower() != payload.get("email"):
        raise bad  # the address changed since the key was sent
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    return user


@transaction.atomic
def email_change(*, user: User, new_email: str, password: str) -> User:
    """A new address needs the current password and is unverified until its link is opened."""
    if not user.has_usable_password() or not user.check_password(password or ""):
        raise ValidationError({"password": ["The current password is needed to change the e-mail address."]})
    new_email = User.objects.normalize_email(new_email).strip()
    if new_email.lower() == user.email.lower():
        return user
    _check_unique_identity(email=new_email, handle=user.handle, exclude_id=user.pk)
    user.email, user.email_verified = new_email, False
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified"])
    except IntegrityError as exc:
        raise ValidationError({"email": ["A user with this e-mail address already exists."]}) from exc
    _send_verification_on_commit(user)
    return user


def require_verified_email(user: User) -> None:
    """The one rule for content writes under EMAIL_VERIFICATION=mandatory.

    Called by every service that publishes content (rooms, messages, posts, comments, projects), so
    REST, sockets, tasks and admin actions all obey it. 403 {"detail", "code": "email_unverified"}.
    """
    if settings.EMAIL_VERIFICATION != "mandatory" or user is None or getattr(user, "email_verified", True):
        return
    raise CodedPermissionDenied(
        "Verify your e-mail address first: we sent you a link (POST auth/email/resend/ sends another).",
        code="email_unverified",
    )


# --- password reset ----------------------------------------------------------------------------


def password_reset_request(*, email: str) -> None:
    """Queue the reset e-mail. No lookup here: known and unknown addresses take the same path."""
    from users.tasks import send_password_reset_email

    transaction.on_commit(lambda: send_password_reset_email.delay(email))


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    bad = ValidationError({"token": ["This reset link is invalid, already used or expired."]})
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        raise bad from None
    user = User.objects.select_for_update().filter(pk=user_id, is_active=True, erased_at__isnull=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        raise bad
    _validated_password(new_password, user=user, field="new_password")
    user.set_password(new_password)  # changes the hash the token was bound to: it cannot work twice
    # The e-mail reached its owner: that proves the address too.
    user.email_verified = True
    user.save(update_fields=["password", "email_verified"])
    _revoke_refresh_tokens(user)
    return user


# --- GitHub login ------------------------------------------------------------------------------


def github_authorize(*, redirect_uri: str) -> dict:
    """{"authorize_url", "state"} for one of GITHUB_OAUTH_REDIRECT_URIS."""
    if redirect_uri not in settings.GITHUB_OAUTH_REDIRECT_URIS:
        raise ValidationError({"redirect_uri": ["This redirect URI is not allowed (GITHUB_OAUTH_REDIRECT_URIS)."]})
    if not settings.GITHUB_OAUTH_CLIENT_ID:
        raise ValidationError({"detail": ["GitHub login is not configured on this server."]})
    return github.authorize_url(redirect_uri=redirect_uri)


def github_login(*, code: str, state: str, user: User | None = None) -> tuple[User, bool]:
    """Exchange the code: the linked user, else the one with the verified primary e-mail, else a new one.

    With `user` (a signed-in caller) the GitHub account is linked to them instead. (user, created).
    """
    with transaction.atomic():
        signed_in = github.complete(code=code, state=state, user=user)
        created = bool(getattr(signed_in, "is_new", False))
        if not signed_in.is_active or signed_in.is_erased:
            raise ValidationError({"code": ["This account cannot sign in."]})
        if created:
            send_signal_on_commit(signals.user_registered, sender=User, user=signed_in)
    return signed_in, created


@transaction.atomic
def github_unlink(*, user: User) -> None:
    if not user.has_usable_password():
        raise ValidationError({"detail": ["Set a password first (password reset): GitHub is your only way in."]})
    UserSocialAuth.objects.filter(user=user, provider=github.PROVIDER).delete()


# --- leaving -----------------------------------------------------------------------------------


def _check_erase_credentials(
    *, user: User, password: str | None, github_code: str | None, github_state: str | None
) -> None:
    if user.has_usable_password():
        if not password or not user.check_password(password):
            raise ValidationError({"password": ["The password is not correct."]})
        return
    if not github_code or not github_state:
        raise ValidationError(
            {"github_code": ["This account has no password: sign in with GitHub again and send github_code and state."]}
        )
    github.complete(code=github_code, state=github_state, user=user, reauthenticate=True)


def user_erase(
    *, user: User, password: str | None = None, github_code: str | None = None, github_state: str | None = None
) -> None:
    """Erase the account's personal data; its posts, comments, messages and commits stay, authored by
    the public "deleted" placeholder. Logging in is impossible afterwards. Other apps clean up their own
    personal data on `users.signals.user_erased`.
    """
    _check_erase_credentials(user=user, password=password, github_code=github_code, github_state=github_state)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        user_id = user.pk
        avatar = user.avatar  # our avatar file, if it is one, goes after commit (users/avatars.py)
        UserSkill.objects.filter(user=user).delete()
        Follow.objects.filter(Q(follower=user) | Q(followee=user)).delete()
        Block.objects.filter(Q(blocker=user) | Q(blocked=user)).delete()
        UserSocialAuth.objects.filter(user=user).delete()
        _revoke_refresh_tokens(user)
        user.groups.clear()
        user.user_permissions.clear()
        for field, value in ERASED_VALUES.items():
            setattr(user, field, value)
        user.email = f"erased-{user_id}@erased.invalid"
        user.handle = f"deleted-{user_id}"
        user.set_unusable_password()
        user.erased_at = timezone.now()
        user.save()
        transaction.on_commit(lambda: delete_avatar_file(avatar), robust=True)
        send_signal_on_commit(signals.user_erased, sender=User, user_id=user_id)


ERASED_VALUES = {
    "name": "", "avatar": "", "bio": "", "github_url": "", "linkedin_url": "", "portfolio_url": "",
    "looking_to_collaborate": False, "hire_me": False, "dm_policy": "nobody", "karma": 0, "current_streak": 0,
    "longest_streak": 0, "last_active_on": None, "last_login": None, "is_active": False, "is_staff": False,
    "is_superuser": False, "email_verified": False,
}  # fmt: skip
