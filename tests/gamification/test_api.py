"""REST endpoints of gamification: catalogue, earned badges, achievements, leaderboard."""

import datetime

import pytest
from django.utils import timezone

from gamification.models import UserBadge
from gamification.services import utc_today
from tests.factories import ActivityDayFactory, UserBadgeFactory, UserFactory, catalogue_badge

pytestmark = pytest.mark.django_db

BADGES = "/api/v1/badges/"
ACHIEVEMENTS = "/api/v1/achievements/"
PENDING = "/api/v1/achievements/pending/"
MARK_SHOWN = "/api/v1/achievements/mark-shown/"
LEADERBOARD = "/api/v1/leaderboard/"
REQUIRED_BADGES = [
    "first_post",
    "rising_star",
    "karma_king",
    "week_warrior",
    "community_builder",
    "social_butterfly",
    "first_project",
    "team_player",
    "task_crusher",
    "open_source_hero",
    "hackathon_winner",
]


def user_badges_url(user_id) -> str:
    return f"/api/v1/users/{user_id}/badges/"


def summary(user) -> dict:
    return {"id": user.pk, "handle": user.handle, "name": user.name, "avatar": user.avatar}


class TestCatalogue:
    def test_lists_every_badge_of_the_data_migration_with_awarded_count(self, anon_client):
        UserBadgeFactory.create_batch(2, badge=catalogue_badge("karma_king"))
        response = anon_client.get(BADGES)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == len(REQUIRED_BADGES)
        assert [b["code"] for b in body["results"]] == REQUIRED_BADGES
        by_code = {b["code"]: b for b in body["results"]}
        assert set(by_code["karma_king"]) == {"code", "name", "description", "icon", "awarded_count"}
        assert by_code["karma_king"]["awarded_count"] == 2
        assert by_code["first_post"]["awarded_count"] == 0

    def test_query_count_does_not_grow_with_awards(self, anon_client, django_assert_num_queries):
        with django_assert_num_queries(2):  # count + page
            anon_client.get(BADGES)
        for code in REQUIRED_BADGES:
            UserBadgeFactory.create_batch(3, badge=catalogue_badge(code))
        with django_assert_num_queries(2):
            response = anon_client.get(BADGES)
        assert all(b["awarded_count"] == 3 for b in response.json()["results"])

    def test_detail_by_code(self, anon_client):
        response = anon_client.get(f"{BADGES}week_warrior/")
        assert response.status_code == 200
        assert response.json()["name"] == "Week Warrior"
        assert anon_client.get(f"{BADGES}no_such_badge/").status_code == 404

    def test_catalogue_is_read_only(self, auth_client):
        assert auth_client.post(BADGES, {"code": "x", "name": "x"}, format="json").status_code == 405


class TestUserBadges:
    def test_earned_badges_oldest_first_with_awarded_at(self, anon_client):
        owner = UserFactory()
        now = timezone.now()
        later = UserBadgeFactory(user=owner, badge=catalogue_badge("karma_king"), awarded_at=now)
        first = UserBadgeFactory(
            user=owner, badge=catalogue_badge("first_post"), awarded_at=now - datetime.timedelta(days=1)
        )
        UserBadgeFactory(badge=catalogue_badge("rising_star"))  # someone else's
        response = anon_client.get(user_badges_url(owner.pk))
        assert response.status_code == 200
        results = response.json()["results"]
        assert [b["code"] for b in results] == ["first_post", "karma_king"]
        assert set(results[0]) == {"code", "name", "description", "icon", "awarded_at"}
        assert results[0]["awarded_at"] == first.awarded_at.isoformat().replace("+00:00", "Z")
        assert later.pk

    def test_unknown_inactive_or_huge_user_is_404(self, anon_client):
        inactive = UserFactory(is_active=False)
        assert anon_client.get(user_badges_url(inactive.pk)).status_code == 404
        assert anon_client.get(user_badges_url(987654)).status_code == 404
        assert anon_client.get(user_badges_url(10**30)).status_code == 404
        assert anon_client.get("/api/v1/users/abc/badges/").status_code == 404

    def test_query_count_is_fixed(self, anon_client, django_assert_num_queries):
        owner = UserFactory()
        UserBadgeFactory(user=owner, badge=catalogue_badge("first_post"))
        with django_assert_num_queries(3):  # user + count + page
            anon_client.get(user_badges_url(owner.pk))
        for code in REQUIRED_BADGES[1:]:
            UserBadgeFactory(user=owner, badge=catalogue_badge(code))
        with django_assert_num_queries(3):
            response = anon_client.get(user_badges_url(owner.pk))
        assert response.json()["count"] == len(REQUIRED_BADGES)

    def test_public_profile_lists_the_badges(self, anon_client):
        owner = UserFactory()
        UserBadgeFactory(user=owner, badge=catalogue_badge("team_player"))
        badges = anon_client.get(f"/api/v1/users/{owner.pk}/").json()["badges"]
        assert [b["code"] for b in badges] == ["team_player"]


class TestAchievements:
    def test_need_authentication(self, anon_client):
        assert anon_client.get(ACHIEVEMENTS).status_code == 401
        assert anon_client.get(PENDING).status_code == 401
        assert anon_client.post(MARK_SHOWN, {"badge": "first_post"}, format="json").status_code == 401

    def test_mine_and_pending(self, auth_client, user):
        shown = UserBadgeFactory(user=user, badge=catalogue_badge("first_post"), shown_at=timezone.now())
        pending = UserBadgeFactory(user=user, badge=catalogue_badge("karma_king"))
        UserBadgeFactory(badge=catalogue_badge("rising_star"))  # someone else's
        mine = auth_client.get(ACHIEVEMENTS).json()["results"]
        assert [a["code"] for a in mine] == ["first_post", "karma_king"]
        assert set(mine[0]) == {"code", "name", "description", "icon", "awarded_at", "shown_at"}
        assert mine[0]["shown_at"] is not None and mine[1]["shown_at"] is None
        assert [a["code"] for a in auth_client.get(PENDING).json()["results"]] == ["karma_king"]
        assert shown.pk and pending.pk

    def test_mark_shown_is_idempotent_and_empties_pending(self, auth_client, user):
        user_badge = UserBadgeFactory(user=user, badge=catalogue_badge("first_post"))
        response = auth_client.post(MARK_SHOWN, {"badge": "first_post"}, format="json")
        assert response.status_code == 200
        assert response.json()["code"] == "first_post"
        user_badge.refresh_from_db()
        first_shown_at = user_badge.shown_at
        assert first_shown_at is not None
        assert auth_client.get(PENDING).json()["count"] == 0
        again = auth_client.post(MARK_SHOWN, {"badge": "first_post"}, format="json")
        assert again.status_code == 200
        user_badge.refresh_from_db()
        assert user_badge.shown_at == first_shown_at

    @pytest.mark.parametrize(
        "body",
        [{}, {"badge": ""}, {"badge": 12}, {"badge": ["first_post"]}, {"badge": "x" * 51}, {"badge": "no spaces"}],
    )
    def test_mark_shown_bad_input_is_400(self, auth_client, body):
        response = auth_client.post(MARK_SHOWN, body, format="json")
        assert response.status_code == 400
        assert "badge" in response.json()

    def test_mark_shown_malformed_json_is_400(self, auth_client):
        response = auth_client.post(MARK_SHOWN, "{not json", content_type="application/json")
        assert response.status_code == 400

    def test_mark_shown_of_unearned_or_unknown_badge_is_404(self, auth_client, user):
        other = UserBadgeFactory(badge=catalogue_badge("first_post"))  # someone else's
        assert auth_client.post(MARK_SHOWN, {"badge": "first_post"}, format="json").status_code == 404
        assert auth_client.post(MARK_SHOWN, {"badge": "no_such_badge"}, format="json").status_code == 404
        other.refresh_from_db()
        assert other.shown_at is None

    def test_query_count_is_fixed(self, auth_client, user, django_assert_num_queries):
        UserBadgeFactory(user=user, badge=catalogue_badge("first_post"))
        with django_assert_num_queries(3):  # user + count + page
            auth_client.get(PENDING)
        for code in REQUIRED_BADGES[1:]:
            UserBadgeFactory(user=user, badge=catalogue_badge(code))
        with django_assert_num_queries(3):
            response = auth_client.get(PENDING)
        assert response.json()["count"] == len(REQUIRED_BADGES)


class TestLeaderboard:
    def test_all_time_karma_with_shared_ranks_then_user_id(self, anon_client):
        low = UserFactory(karma=5)
        tie_b = UserFactory(karma=40)
        top = UserFactory(karma=90)
        tie_a = UserFactory(karma=40)
        UserFactory(karma=0)  # nothing to show: left out
        UserFactory(karma=-3)
        UserFactory(karma=500, is_active=False)
        response = anon_client.get(LEADERBOARD, {"metric": "karma", "period": "all"})
        assert response.status_code == 200
        assert response.json() == [
            {"rank": 1, "user": summary(top), "value": 90},
            {"rank": 2, "user": summary(tie_b), "value": 40},
            {"rank": 2, "user": summary(tie_a), "value": 40},
            {"rank": 4, "user": summary(low), "value": 5},
        ]

    def test_defaults_are_karma_all_time(self, anon_client):
        top = UserFactory(karma=3)
        assert anon_client.get(LEADERBOARD).json() == [{"rank": 1, "user": summary(top), "value": 3}]

    def test_weekly_karma_counts_only_the_last_seven_days(self, anon_client):
        today = utc_today()
        alice, bob, carol = UserFactory(), UserFactory(), UserFactory()
        ActivityDayFactory(user=alice, day=today, karma=3)
        ActivityDayFactory(user=alice, day=today - datetime.timedelta(days=6), karma=4)
        ActivityDayFactory(user=alice, day=today - datetime.timedelta(days=7), karma=100)  # outside the week
        ActivityDayFactory(user=bob, day=today - datetime.timedelta(days=2), karma=10)
        ActivityDayFactory(user=carol, day=today, karma=-2)
        body = anon_client.get(LEADERBOARD, {"metric": "karma", "period": "week"}).json()
        assert body == [
            {"rank": 1, "user": summary(bob), "value": 10},
            {"rank": 2, "user": summary(alice), "value": 7},
        ]
        monthly = anon_client.get(LEADERBOARD, {"metric": "karma", "period": "month"}).json()
        assert [(e["user"]["id"], e["value"]) for e in monthly] == [(alice.pk, 107), (bob.pk, 10)]

    def test_contributions_by_period_with_ties(self, anon_client):
        today = utc_today()
        users = [UserFactory() for _ in range(4)]
        ActivityDayFactory(user=users[2], day=today, contributions=5)
        ActivityDayFactory(user=users[0], day=today, contributions=2)
        ActivityDayFactory(user=users[0], day=today - datetime.timedelta(days=1), contributions=3)
        ActivityDayFactory(user=users[1], day=today, contributions=1)
        ActivityDayFactory(user=users[3], day=today - datetime.timedelta(days=40), contributions=50)
        body = anon_client.get(LEADERBOARD, {"metric": "contributions", "period": "month"}).json()
        assert [(e["rank"], e["user"]["id"], e["value"]) for e in body] == [
            (1, users[0].pk, 5),
            (1, users[2].pk, 5),
            (3, users[1].pk, 1),
        ]
        everything = anon_client.get(LEADERBOARD, {"metric": "contributions", "period": "all"}).json()
        assert everything[0] == {"rank": 1, "user": summary(users[3]), "value": 50}

    def test_limit(self, anon_client):
        for karma in range(1, 6):
            UserFactory(karma=karma)
        body = anon_client.get(LEADERBOARD, {"limit": 2}).json()
        assert [e["value"] for e in body] == [5, 4]

    @pytest.mark.parametrize(
        "params",
        [
            {"metric": "likes"},
            {"period": "year"},
            {"limit": 0},
            {"limit": 101},
            {"limit": "many"},
            {"limit": 10**30},
        ],
    )
    def test_bad_parameters_are_400(self, anon_client, params):
        response = anon_client.get(LEADERBOARD, params)
        assert response.status_code == 400
        assert set(response.json()) <= {"metric", "period", "limit"}

    @pytest.mark.parametrize(
        ("metric", "period", "queries"),
        [("karma", "all", 1), ("karma", "week", 2), ("contributions", "month", 2), ("contributions", "all", 2)],
    )
    def test_query_count_does_not_grow(self, anon_client, django_assert_num_queries, metric, period, queries):
        def add_users(count):
            for _ in range(count):
                ActivityDayFactory(user=UserFactory(karma=7), karma=7, contributions=2)

        add_users(1)
        with django_assert_num_queries(queries):
            assert len(anon_client.get(LEADERBOARD, {"metric": metric, "period": period}).json()) == 1
        add_users(30)
        with django_assert_num_queries(queries):
            assert len(anon_client.get(LEADERBOARD, {"metric": metric, "period": period, "limit": 25}).json()) == 25


def test_user_badge_is_unique_per_user():
    from django.db import IntegrityError, transaction

    user_badge = UserBadgeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        UserBadge.objects.create(user=user_badge.user, badge=user_badge.badge)


def test_leaderboard_from_real_votes_and_posts(make_client, on_commit, anon_client):
    from posts.models import Post

    alice, bob, voter = UserFactory(), UserFactory(), UserFactory()
    alices = Post.objects.create(author=alice, title="Alice's", content="...")
    bobs = Post.objects.create(author=bob, title="Bob's", content="...")
    with on_commit():
        for post, value in [(alices, 1), (bobs, -1)]:
            response = make_client(voter).post(f"/api/v1/posts/{post.pk}/vote/", {"value": value}, format="json")
            assert response.status_code == 200
        for author in (bob, bob, voter):
            response = make_client(author).post("/api/v1/posts/", {"title": "New", "content": "..."}, format="json")
            assert response.status_code == 201
    karma = anon_client.get(LEADERBOARD, {"metric": "karma", "period": "week"}).json()
    assert karma == [{"rank": 1, "user": summary(alice), "value": 1}]
    contributions = anon_client.get(LEADERBOARD, {"metric": "contributions", "period": "week"}).json()
    assert [(e["rank"], e["user"]["id"], e["value"]) for e in contributions] == [(1, bob.pk, 2), (2, voter.pk, 1)]
