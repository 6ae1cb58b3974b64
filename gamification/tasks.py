"""Celery tasks of the gamification app: thin, by ids, safe to retry (a badge is awarded once)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from gamification import services
from gamification.rules import award_earned_badges


@shared_task
def expire_streaks() -> int:
    """Daily: a streak not extended yesterday or today is over (idempotent: it only zeroes)."""
    return services.streaks_expire()


@shared_task(name="gamification.tasks.badges_award")
def badges_award(*, user_id: int, codes: list[str]) -> list[str]:
    """Run the badge rules of `codes` for the user, off the request that earned them. Returns the codes awarded."""
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return []
    return [user_badge.badge.code for user_badge in award_earned_badges(user=user, codes=codes)]
