"""Reads of the users app that need care: fixed query counts, no private data."""

import re
from collections.abc import Sequence

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from codenest.errors import NotFound
from users.models import Block, Follow, Proficiency, Skill, User, UserSkill
from users.types import Viewer

# "@alice" but not "bob@alice.dev": a mention starts the text or follows a non-word character.
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9_-]{3,30})(?![\w-])", re.IGNORECASE)
MAX_MENTIONS = 20

_skills_prefetch = Prefetch("user_skills", queryset=UserSkill.objects.select_related("skill"))


def user_summary_columns(relation: str) -> tuple[str, ...]:
    """The .values() columns of a user summary through the foreign key `relation` (e.g. "author"), as
    users.serializers.user_summary_of_row reads them: the lists select these instead of the whole user."""
    return (f"{relation}_id", *(f"{relation}__{name}" for name in ("handle", "name", "avatar", "erased_at")))


def user_list(*, search: str | None = None) -> QuerySet[User]:
    users = User.objects.prefetch_related(_skills_prefetch, "social_auth").order_by("id")
    if search:
        users = users.filter(Q(handle__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search))
    return users


def user_get_profile(*, user_id: int, viewer: Viewer) -> User:
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
        user.is_following = False  # type: ignore[attr-defined]  # set for the serializer
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


def is_blocked_between(a: User | int | None, b: User | int | None) -> bool:
    """True when `a` blocked `b` or `b` blocked `a` (users or user ids). One query."""
    a_id, b_id = getattr(a, "pk", a), getattr(b, "pk", b)
    if a_id is None or b_id is None:
        return False
    return Block.objects.filter(Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)).exists()


def blocked_user_ids(user: User | int) -> set[int]:
    """Ids of everyone `user` blocked or was blocked by (a user or a user id). One query."""
    user_id = getattr(user, "pk", user)
    if user_id is None:
        return set()
    pairs = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list("blocker_id", "blocked_id")
    return {other for pair in pairs for other in pair if other != user_id}


def blocks_made_by(*, user: User) -> QuerySet[Block]:
    """The people `user` blocked, newest first, for `GET users/me/blocks/`."""
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-id")


# --- skill matching (shared with projects: candidates and matches) ------------------------------
# A user's proficiency in a skill weighs beginner 1 .. expert 4 (0 without the skill). Against a set R
# of wanted skills: match_score = Σ weight(user, r) / (4·|R|), so 1.0 is "expert in all of R", 0.0 no
# overlap (and 0 for everyone when R is empty). Computed in SQL, so a page costs fixed queries.

PROFICIENCY_WEIGHT = {
    Proficiency.BEGINNER: 1,
    Proficiency.INTERMEDIATE: 2,
    Proficiency.ADVANCED: 3,
    Proficiency.EXPERT: 4,
}
MAX_WEIGHT = max(PROFICIENCY_WEIGHT.values())
PROFICIENCY_ORDER = list(PROFICIENCY_WEIGHT)


def proficiency_weight_expression(field: str = "proficiency") -> Case:
    return Case(
        *[When(**{field: level}, then=Value(points)) for level, points in PROFICIENCY_WEIGHT.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def with_skill_match(users: QuerySet[User], *, skill_ids: list[int]) -> QuerySet[User]:
    """Annotate `match_score` (formula above) against the skills `skill_ids`, as a subquery (no join)."""
    if not skill_ids:
        return users.annotate(match_score=Value(0.0, output_field=FloatField()))
    raw = (
        UserSkill.objects.filter(user=OuterRef("pk"), skill_id__in=skill_ids)
        .values("user")
        .annotate(points=Sum(proficiency_weight_expression()))
        .values("points")
    )
    score = Cast(Coalesce(Subquery(raw, output_field=IntegerField()), 0), FloatField()) / float(
        MAX_WEIGHT * len(skill_ids)
    )
    return users.annotate(match_score=score)


# --- people directory --------------------------------------------------------------------------


def people_directory(
    *,
    viewer: User,
    skills: Sequence[str] = (),
    min_proficiency: str | None = None,
    looking_to_collaborate: bool | None = None,
    hire_me: bool | None = None,
    search: str | None = None,
) -> QuerySet[User]:
    """Public profiles for `people/`, best skill match first, then karma.

    `skills` must all be present (at `min_proficiency` or above when given) and are what the match is
    scored against; without them, the match is against the viewer's own skills ("people like me").
    Users with a block either way with the viewer, the viewer, and erased accounts never appear.
    """
    users = User.objects.filter(is_active=True, erased_at__isnull=True).exclude(pk=viewer.pk)
    users = users.exclude(
        Exists(Block.objects.filter(blocker=viewer, blocked=OuterRef("pk")))
        | Exists(Block.objects.filter(blocker=OuterRef("pk"), blocked=viewer))
    )
    levels = PROFICIENCY_ORDER[PROFICIENCY_ORDER.index(min_proficiency) :] if min_proficiency else PROFICIENCY_ORDER  # type: ignore[arg-type]  # Proficiency is a str enum
    wanted_names = list(dict.fromkeys(skills))
    wanted = dict(Skill.objects.filter(name__in=wanted_names).values_list("name", "id")) if wanted_names else {}
    if len(wanted) < len(wanted_names):  # a skill nobody has: nobody has all of them
        return users.none().annotate(match_score=Value(0.0, output_field=FloatField()))
    for skill_id in wanted.values():
        users = users.filter(
            Exists(UserSkill.objects.filter(user=OuterRef("pk"), skill_id=skill_id, proficiency__in=levels))
        )
    if min_proficiency and not wanted:
        users = users.filter(Exists(UserSkill.objects.filter(user=OuterRef("pk"), proficiency__in=levels)))
    if looking_to_collaborate is not None:
        users = users.filter(looking_to_collaborate=looking_to_collaborate)
    if hire_me is not None:
        users = users.filter(hire_me=hire_me)
    if search:
        users = users.filter(Q(handle__icontains=search) | Q(name__icontains=search) | Q(bio__icontains=search))
    score_against = list(wanted.values()) or list(
        UserSkill.objects.filter(user=viewer).values_list("skill_id", flat=True)
    )
    users = with_skill_match(users, skill_ids=score_against)
    return users.prefetch_related(_skills_prefetch).order_by("-match_score", "-karma", "id")  # type: ignore[misc]  # match_score is an annotation


# --- export ------------------------------------------------------------------------------------
# Everything we hold about a user, found generically: every row of every installed model that points
# at the user (so apps added later are included without users importing them), minus other people's
# data about them and secrets.

EXPORT_SKIPPED_RELATIONS = {
    ("users", "block", "blocked"),  # who blocked me is the blocker's data
    ("posts", "report", "author"),  # reports about my content are the reporters' data
    ("admin", "logentry", "user"),
}
EXPORT_SKIPPED_APPS = {"token_blacklist", "sessions", "contenttypes"}
SECRET_FIELD_WORDS = ("password", "secret", "token", "key")


def _exportable_fields(model: type[Model]) -> list[str]:
    """Column attribute names (`author_id`, not `author`), secrets left out."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not any(word in field.name.lower() for word in SECRET_FIELD_WORDS)
    ]


def _jsonable(value: object) -> object:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def user_export(*, user: User) -> dict:
    """{"exported_at", "account": {...}, "records": {"app.model.field": [rows]}} for `GET users/me/export/`."""
    account = {name: _jsonable(getattr(user, name)) for name in _exportable_fields(User)}
    account["has_password"] = user.has_usable_password()
    records: dict[str, list[dict]] = {}
    for model in apps.get_models():
        opts = model._meta
        if opts.app_label in EXPORT_SKIPPED_APPS or model is User:
            continue
        for field in opts.concrete_fields:
            if not field.is_relation or field.related_model is not User:
                continue
            if (opts.app_label, opts.model_name, field.name) in EXPORT_SKIPPED_RELATIONS:
                continue
            fields = _exportable_fields(model)
            rows = model._default_manager.filter(**{field.name: user}).order_by("pk")
            key = f"{opts.app_label}.{opts.model_name}.{field.name}"
            exported = [{name: _jsonable(getattr(row, name)) for name in fields} for row in rows]
            if exported:
                records[key] = exported
    return {
        "exported_at": timezone.now().isoformat(),
        "site": settings.SITE_URL,
        "account": account,
        "records": records,
    }
