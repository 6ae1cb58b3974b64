"""Services and rule evaluation: awards once, karma and streak arithmetic, isolation of failing rules."""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model

from gamification import services
from gamification.models import ActivityDay, Badge, UserBadge
from gamification.rules import award_earned_badges
from tests.factories import UserBadgeFactory, UserFactory, catalogue_badge

pytestmark = pytest.mark.django_db
User = get_user_model()
UTC = datetime.UTC


class TestBadgeAward:
    def test_awards_once_and_signals_after_commit(self, on_commit, awarded_signals):
        user = UserFactory()
        with on_commit():
            first = services.badge_award(user=user, code="first_post")
            assert awarded_signals == []  # not before the commit
        assert first is not None and first.shown_at is None
        assert awarded_signals == [(user.pk, "first_post")]
        with on_commit():
            assert services.badge_award(user=user, code="first_post") is None
        assert UserBadge.objects.filter(user=user).count() == 1
        assert awarded_signals == [(user.pk, "first_post")]

    def test_unknown_code_raises_and_writes_nothing(self):
        user = UserFactory()
        with pytest.raises(Badge.DoesNotExist):
            services.badge_award(user=user, code="no_such_badge")
        assert not UserBadge.objects.exists()


class TestRuleEvaluation:
    def test_a_failing_rule_is_logged_and_the_others_still_award(self, on_commit, caplog, awarded_signals):
        user = UserFactory(karma=150, current_streak=9)
        Badge.objects.filter(code="karma_king").delete()  # the rule now fails inside badge_award
        with on_commit():
            awarded = award_earned_badges(user=user, codes=["karma_king", "week_warrior"])
        assert [ub.badge.code for ub in awarded] == ["week_warrior"]
        assert awarded_signals == [(user.pk, "week_warrior")]
        assert "karma_king" in caplog.text

    def test_held_badges_are_not_measured_again(self, django_assert_num_queries):
        user = UserFactory(karma=150)
        UserBadgeFactory(user=user, badge=catalogue_badge("karma_king"))
        with django_assert_num_queries(1):  # only "which of these does the user hold"
            assert award_earned_badges(user=user, codes=["karma_king"]) == []

    def test_unknown_codes_and_missing_user_are_ignored(self):
        assert award_earned_badges(user=None, codes=["first_post"]) == []
        assert award_earned_badges(user=UserFactory(), codes=["no_such_rule"]) == []


class TestKarma:
    def test_applies_deltas_to_user_and_day(self):
        user = UserFactory()
        day = datetime.date(2026, 3, 1)
        services.karma_apply(user_id=user.pk, delta=1, day=day)
        services.karma_apply(user_id=user.pk, delta=2, day=day)  # a downvote turned into an upvote
        services.karma_apply(user_id=user.pk, delta=-1, day=day + datetime.timedelta(days=1))
        services.karma_apply(user_id=user.pk, delta=0, day=day)
        user.refresh_from_db()
        assert user.karma == 2
        assert dict(ActivityDay.objects.filter(user=user).values_list("day", "karma")) == {
            day: 3,
            day + datetime.timedelta(days=1): -1,
        }


class TestStreaks:
    def test_consecutive_utc_days_extend_and_a_gap_restarts(self):
        user = UserFactory()

        def streak_on(moment):
            with time_machine.travel(moment, tick=False):
                services.activity_record(user_id=user.pk)
            user.refresh_from_db()
            return user.current_streak, user.longest_streak, user.last_active_on

        assert streak_on(datetime.datetime(2026, 3, 1, 23, 59, tzinfo=UTC)) == (1, 1, datetime.date(2026, 3, 1))
        # Two minutes later it is another UTC day.
        assert streak_on(datetime.datetime(2026, 3, 2, 0, 1, tzinfo=UTC)) == (2, 2, datetime.date(2026, 3, 2))
        # Again the same day: idempotent.
        assert streak_on(datetime.datetime(2026, 3, 2, 22, 0, tzinfo=UTC)) == (2, 2, datetime.date(2026, 3, 2))
        assert streak_on(datetime.datetime(2026, 3, 3, 12, 0, tzinfo=UTC)) == (3, 3, datetime.date(2026, 3, 3))
        # March 4th is skipped: the streak starts over, the longest stays.
        assert streak_on(datetime.datetime(2026, 3, 5, 8, 0, tzinfo=UTC)) == (1, 3, datetime.date(2026, 3, 5))
        assert streak_on(datetime.datetime(2026, 3, 6, 8, 0, tzinfo=UTC)) == (2, 3, datetime.date(2026, 3, 6))
        contributions = dict(ActivityDay.objects.filter(user=user).values_list("day", "contributions"))
        assert contributions[datetime.date(2026, 3, 2)] == 2
        assert sum(contributions.values()) == 6

    def test_utc_day_not_local_day(self):
        user = UserFactory(current_streak=4, longest_streak=4, last_active_on=datetime.date(2026, 3, 1))
        # 01:30 in UTC+2 is still March 1st in UTC: the same day, no extension.
        moment = datetime.datetime(2026, 3, 2, 1, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
        with time_machine.travel(moment, tick=False):
            services.activity_record(user_id=user.pk)
        user.refresh_from_db()
        assert (user.current_streak, user.last_active_on) == (4, datetime.date(2026, 3, 1))

    def test_expire_zeroes_only_broken_streaks(self):
        today = datetime.date(2026, 3, 10)
        broken = UserFactory(current_streak=5, longest_streak=8, last_active_on=datetime.date(2026, 3, 8))
        alive_yesterday = UserFactory(current_streak=3, longest_streak=3, last_active_on=datetime.date(2026, 3, 9))
        alive_today = UserFactory(current_streak=2, longest_streak=2, last_active_on=today)
        assert services.streaks_expire(today=today) == 1
        assert services.streaks_expire(today=today) == 0
        for user in (broken, alive_yesterday, alive_today):
            user.refresh_from_db()
        assert (broken.current_streak, broken.longest_streak) == (0, 8)
        assert alive_yesterday.current_streak == 3
        assert alive_today.current_streak == 2

    def test_expire_task_runs_eagerly(self):
        from gamification.tasks import expire_streaks

        UserFactory(current_streak=5, last_active_on=datetime.date(2000, 1, 1))
        assert expire_streaks.delay().get() == 1
