"""Evaluate badge rules for existing users: after a new badge's data migration, or to repair missed signals.

manage.py award_badges                  every rule, every active user
manage.py award_badges --badge team_player --user 12 --user 13
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gamification.rules import RULES, award_earned_badges


class Command(BaseCommand):
    help = "Award every badge whose rule a user meets and that they do not hold yet (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--badge", action="append", dest="badges", help="a badge code (repeatable)")
        parser.add_argument("--user", action="append", type=int, dest="users", help="a user id (repeatable)")

    def handle(self, *args, badges=None, users=None, **options):
        codes = badges or list(RULES)
        unknown = sorted(set(codes) - set(RULES))
        if unknown:
            raise CommandError(f"No rule for: {', '.join(unknown)}")
        people = get_user_model().objects.filter(is_active=True).order_by("id")
        if users:
            people = people.filter(pk__in=users)
        awarded = 0
        for user in people.iterator(chunk_size=500):
            awarded += len(award_earned_badges(user=user, codes=codes))
        self.stdout.write(f"{awarded} badge(s) awarded.")
