from celery import shared_task

from gamification import services


@shared_task
def expire_streaks() -> int:
    """Daily: a streak not extended yesterday or today is over (idempotent: it only zeroes)."""
    return services.streaks_expire()
