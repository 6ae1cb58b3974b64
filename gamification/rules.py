"""Badge rules: each badge code has a measure of the user and the threshold that earns it.

Measures read the other apps' tables (the source of truth) rather than counting signals, so a rule
is idempotent and a missed or repeated signal cannot make a badge wrong.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from gamification import services
from gamification.models import UserBadge
from hackathons.models import TeamMember
from posts.models import Post
from projects.models import Commit, Project, ProjectMember, Task, TaskStatus
from rooms.models import Membership
from users.models import Follow

logger = logging.getLogger(__name__)


def posts_written(user) -> int:
    return Post.objects.filter(author=user).count()


def karma(user) -> int:
    return type(user).objects.filter(pk=user.pk).values_list("karma", flat=True).first() or 0


def current_streak(user) -> int:
    return type(user).objects.filter(pk=user.pk).values_list("current_streak", flat=True).first() or 0


def rooms_joined(user) -> int:
    return Membership.objects.in_chat_rooms().filter(user=user).count()  # conversations are not rooms


def followers(user) -> int:
    return Follow.objects.filter(followee=user).count()


def projects_owned(user) -> int:
    return Project.objects.filter(owner=user).count()


def projects_joined(user) -> int:
    return ProjectMember.objects.filter(user=user).values("project").distinct().count()


def tasks_done(user) -> int:
    return Task.objects.filter(assignee=user, status=TaskStatus.DONE).count()


def commits_closing_tasks(user) -> int:
    return Commit.objects.filter(author=user, task__status=TaskStatus.DONE).count()


def hackathons_won(user) -> int:
    return TeamMember.objects.filter(user=user, left_at__isnull=True, team__final_rank=1).count()


@dataclass(frozen=True)
class Rule:
    measure: Callable[[object], int]
    threshold: int


RULES: dict[str, Rule] = {
    "first_post": Rule(posts_written, 1),
    "rising_star": Rule(posts_written, 10),
    "karma_king": Rule(karma, 100),
    "week_warrior": Rule(current_streak, 7),
    "community_builder": Rule(rooms_joined, 5),
    "social_butterfly": Rule(followers, 50),
    "first_project": Rule(projects_owned, 1),
    "team_player": Rule(projects_joined, 3),
    "task_crusher": Rule(tasks_done, 10),
    "open_source_hero": Rule(commits_closing_tasks, 1),
    "hackathon_winner": Rule(hackathons_won, 1),
}


def award_earned_badges(*, user, codes: Iterable[str]) -> list[UserBadge]:
    """Award every badge of `codes` whose rule `user` now meets and does not hold yet.

    Each rule runs in its own transaction and a failing one is logged and skipped: gamification never
    breaks the action that triggered it, nor the other rules.
    """
    codes = [code for code in dict.fromkeys(codes) if code in RULES]
    if user is None or not codes:
        return []
    held = set(UserBadge.objects.filter(user=user, badge__code__in=codes).values_list("badge__code", flat=True))
    measured: dict[Callable, int] = {}
    awarded = []
    for code in codes:
        if code in held:
            continue
        rule = RULES[code]
        try:
            with transaction.atomic():
                if rule.measure not in measured:
                    measured[rule.measure] = rule.measure(user)
                if measured[rule.measure] >= rule.threshold:
                    user_badge = services.badge_award(user=user, code=code)
                    if user_badge is not None:
                        awarded.append(user_badge)
        except Exception:
            logger.exception("Badge rule %r failed for user %s", code, user.pk)
    return awarded
