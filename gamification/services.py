"""Every write of the gamification app. Keyword-only, one transaction each, signals after commit.

Counters on users.User (karma, streaks) are changed with single UPDATE statements built from F()
expressions, so concurrent actions never lose an increment and a retried call never double-counts a day.
"""

import datetime

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from rest_framework.exceptions import NotFound

from codenest.realtime import send_signal_on_commit
from gamification import signals
from gamification.models import ActivityDay, Badge, UserBadge
from users.models import User


def utc_today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


@transaction.atomic
def badge_award(*, user: User, code: str) -> UserBadge | None:
    """Award `code` to `user` once. Returns the new UserBadge, or None when the user already had it."""
    badge = Badge.objects.get(code=code)
    try:
        with transaction.atomic():
            user_badge, created = UserBadge.objects.get_or_create(user=user, badge=badge)
    except IntegrityError:  # a concurrent award of the same badge won the race
        return None
    if not created:
        return None
    send_signal_on_commit(signals.badge_awarded, sender=UserBadge, user=user, badge=badge, user_badge=user_badge)
    return user_badge


@transaction.atomic
def achievement_mark_shown(*, user: User, code: str) -> UserBadge:
    """Mark an earned badge as shown; marking it again keeps the first time."""
    user_badge = UserBadge.objects.select_related("badge").filter(user=user, badge__code=code).first()
    if user_badge is None:
        raise NotFound("You have not earned this badge.")
    if user_badge.shown_at is None:
        now = timezone.now()
        # Conditional, so two clients acknowledging at once both answer with the same first time.
        if UserBadge.objects.filter(pk=user_badge.pk, shown_at__isnull=True).update(shown_at=now):
            user_badge.shown_at = now
        else:
            user_badge.refresh_from_db(fields=["shown_at"])
    return user_badge


def _activity_day_add(*, user_id: int, day: datetime.date, contributions: int = 0, karma: int = 0) -> None:
    # Insert-or-ignore then an F() update: race-free on SQLite and PostgreSQL without a lock.
    ActivityDay.objects.bulk_create([ActivityDay(user_id=user_id, day=day)], ignore_conflicts=True)
    ActivityDay.objects.filter(user_id=user_id, day=day).update(
        contributions=F("contributions") + contributions, karma=F("karma") + karma
    )


@transaction.atomic
def karma_apply(*, user_id: int, delta: int, day: datetime.date | None = None) -> None:
    """Add the karma change of one vote (new value minus previous value) to the author."""
    if not delta:
        return
    User.objects.filter(pk=user_id).update(karma=F("karma") + delta)
    _activity_day_add(user_id=user_id, day=day or utc_today(), karma=delta)


def _streak_extend(*, user_id: int, day: datetime.date) -> None:
    yesterday = day - datetime.timedelta(days=1)
    streak = Case(
        When(last_active_on=yesterday, then=F("current_streak") + 1),
        default=Value(1),
        output_field=models.PositiveIntegerField(),
    )
    # The filter makes a second activity on the same day a no-op, also when two race: on PostgreSQL
    # the loser re-reads the row after the winner's commit and no longer matches.
    User.objects.filter(Q(last_active_on__isnull=True) | Q(last_active_on__lt=day), pk=user_id).update(
        current_streak=streak, longest_streak=Greatest("longest_streak", streak), last_active_on=day
    )


@transaction.atomic
def activity_record(*, user_id: int, day: datetime.date | None = None) -> None:
    """Count one contribution (post, comment, chat message, task change) and extend the user's streak."""
    day = day or utc_today()
    _activity_day_add(user_id=user_id, day=day, contributions=1)
    _streak_extend(user_id=user_id, day=day)


@transaction.atomic
def streaks_expire(*, today: datetime.date | None = None) -> int:
    """Zero the current streak of users whose last active day is before yesterday. Returns how many."""
    yesterday = (today or utc_today()) - datetime.timedelta(days=1)
    return User.objects.filter(current_streak__gt=0, last_active_on__lt=yesterday).update(current_streak=0)
