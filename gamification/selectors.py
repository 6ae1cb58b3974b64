"""Reads of the gamification app: each list costs a fixed number of queries."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from gamification.models import ActivityDay, Badge, UserBadge
from gamification.services import utc_today
from users.models import User

METRICS = ("karma", "contributions")
# Rolling windows of UTC days, today included.
PERIOD_DAYS = {"week": 7, "month": 30, "all": None}


def badge_catalogue() -> QuerySet[Badge]:
    return Badge.objects.annotate(awarded_count=Count("awards")).order_by("position", "id")


def badges_earned_by(*, user: User) -> QuerySet[UserBadge]:
    return UserBadge.objects.filter(user=user).select_related("badge").order_by("awarded_at", "id")


def achievements_pending(*, user: User) -> QuerySet[UserBadge]:
    return badges_earned_by(user=user).filter(shown_at__isnull=True)


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int
    user: object
    value: int


def _period_start(period: str, today: datetime.date) -> datetime.date | None:
    days = PERIOD_DAYS[period]
    return None if days is None else today - datetime.timedelta(days=days - 1)


def _top_from_activity(*, metric: str, start: datetime.date | None, limit: int) -> list[tuple[object, int]]:
    rows = ActivityDay.objects.filter(user__is_active=True)
    if start is not None:
        rows = rows.filter(day__gte=start)
    totals = list(
        rows.values("user_id")
        .annotate(value=Sum(metric))
        .filter(value__gt=0)
        .order_by("-value", "user_id")
        .values_list("user_id", "value")[:limit]
    )
    users = User.objects.in_bulk([user_id for user_id, _ in totals])
    return [(users[user_id], value) for user_id, value in totals if user_id in users]


def leaderboard(*, metric: str, period: str, limit: int, today: datetime.date | None = None) -> list[LeaderboardEntry]:
    """Top `limit` users by karma or contributions in a period, with at most two queries.

    Ranks are standard competition ranks (1, 2, 2, 4): tied users share a rank and are listed by id.
    Users with nothing to show (a value of 0 or less) are left out.
    """
    start = _period_start(period, today or utc_today())
    if metric == "karma" and start is None:
        # The running total on the user row is the all-time karma; no aggregation needed.
        users = User.objects.filter(is_active=True, karma__gt=0).order_by("-karma", "id")[:limit]
        ranked = [(user, user.karma) for user in users]
    else:
        ranked = _top_from_activity(metric=metric, start=start, limit=limit)  # type: ignore[assignment]  # (user, value) pairs either way
    entries: list[LeaderboardEntry] = []
    for position, (user, value) in enumerate(ranked, start=1):
        rank = entries[-1].rank if entries and entries[-1].value == value else position
        entries.append(LeaderboardEntry(rank=rank, user=user, value=value))
    return entries
