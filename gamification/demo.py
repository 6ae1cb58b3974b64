"""Demo data: the badges the demo users have earned by the other apps' demo data (idempotent)."""

from gamification.rules import RULES, award_earned_badges


def seed(*, users, stdout) -> None:
    awarded = 0
    for user in users.values():
        awarded += len(award_earned_badges(user=user, codes=RULES))
    stdout.write(f"gamification: {awarded} badges awarded to demo users")
