"""Blocking: POST/DELETE users/{id}/block/, GET users/me/blocks/, and what a block prevents."""

import pytest
from django.test import override_settings

from tests.factories import UserFactory
from users import selectors
from users.models import Block, DmPolicy, Follow
from users.services import block_create, follow_create

pytestmark = pytest.mark.django_db
ME = "/api/v1/users/me/"


def block_url(user):
    return f"/api/v1/users/{user.pk}/block/"


class TestBlockEndpoints:
    def test_block_is_idempotent_and_unblock_too(self, make_client):
        me, other = UserFactory(), UserFactory()
        client = make_client(me)
        first = client.post(block_url(other))
        assert first.status_code == 201, first.content
        assert first.json()["user"] == {"id": other.pk, "handle": other.handle, "name": other.name, "avatar": ""}
        assert client.post(block_url(other)).status_code == 200
        assert Block.objects.filter(blocker=me, blocked=other).count() == 1
        assert client.delete(block_url(other)).status_code == 204
        assert client.delete(block_url(other)).status_code == 204
        assert not Block.objects.exists()

    def test_blocking_yourself_400(self, auth_client, user):
        response = auth_client.post(block_url(user))
        assert response.status_code == 400
        assert "yourself" in str(response.json())
        assert not Block.objects.exists()

    def test_unknown_user_404_and_anonymous_401(self, auth_client, anon_client, user):
        assert auth_client.post("/api/v1/users/999999/block/").status_code == 404
        assert anon_client.post(block_url(user)).status_code == 401
        assert anon_client.get("/api/v1/users/me/blocks/").status_code == 401

    def test_block_ends_follows_both_ways(self, make_client):
        me, other, bystander = UserFactory(), UserFactory(), UserFactory()
        follow_create(follower=me, followee=other)
        follow_create(follower=other, followee=me)
        follow_create(follower=bystander, followee=me)
        assert make_client(me).post(block_url(other)).status_code == 201
        assert list(Follow.objects.values_list("follower", "followee")) == [(bystander.pk, me.pk)]

    def test_blocked_user_cannot_follow_me_nor_i_them(self, make_client):
        me, other = UserFactory(), UserFactory()
        block_create(blocker=me, blocked=other)
        response = make_client(other).post(f"/api/v1/users/{me.pk}/follow/")
        assert response.status_code == 403
        assert make_client(me).post(f"/api/v1/users/{other.pk}/follow/").status_code == 403
        assert not Follow.objects.exists()
        # After unblocking, following works again.
        make_client(me).delete(block_url(other))
        assert make_client(other).post(f"/api/v1/users/{me.pk}/follow/").status_code == 200

    def test_my_blocks_lists_only_mine_newest_first(self, make_client, django_assert_max_num_queries):
        me = UserFactory()
        others = UserFactory.create_batch(3)
        for other in others:
            block_create(blocker=me, blocked=other)
        block_create(blocker=others[0], blocked=me)  # someone blocking me is not in my list
        client = make_client(me)
        with django_assert_max_num_queries(4):
            response = client.get("/api/v1/users/me/blocks/")
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        assert [row["user"]["id"] for row in body["results"]] == [o.pk for o in reversed(others)]
        assert "email" not in body["results"][0]["user"]

    def test_my_blocks_query_count_is_fixed(self, make_client, django_assert_max_num_queries):
        me = UserFactory()
        client = make_client(me)
        for size in (2, 12):
            for other in UserFactory.create_batch(size):
                block_create(blocker=me, blocked=other)
            with django_assert_max_num_queries(4):
                assert client.get("/api/v1/users/me/blocks/?page_size=100").status_code == 200

    @override_settings(RATELIMIT_BLOCKS="2/m")
    def test_rate_limited(self, make_client):
        me = UserFactory()
        client = make_client(me)
        others = UserFactory.create_batch(3)
        assert client.post(block_url(others[0])).status_code == 201
        assert client.post(block_url(others[1])).status_code == 201
        response = client.post(block_url(others[2]))
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
        assert Block.objects.count() == 2

    @override_settings(RATELIMIT_PEOPLE="2/m")
    def test_list_rate_limited(self, auth_client):
        for _ in range(2):
            assert auth_client.get("/api/v1/users/me/blocks/").status_code == 200
        assert auth_client.get("/api/v1/users/me/blocks/").status_code == 429


class TestSelectors:
    def test_is_blocked_between_is_symmetric(self):
        a, b, c = UserFactory.create_batch(3)
        block_create(blocker=a, blocked=b)
        assert selectors.is_blocked_between(a, b)
        assert selectors.is_blocked_between(b, a)
        assert selectors.is_blocked_between(a.pk, b.pk)
        assert not selectors.is_blocked_between(a, c)
        assert not selectors.is_blocked_between(c, b)

    def test_blocked_user_ids_both_directions(self, django_assert_num_queries):
        a, b, c, d = UserFactory.create_batch(4)
        block_create(blocker=a, blocked=b)
        block_create(blocker=c, blocked=a)
        block_create(blocker=b, blocked=d)
        with django_assert_num_queries(1):
            assert selectors.blocked_user_ids(a) == {b.pk, c.pk}
        assert selectors.blocked_user_ids(d.pk) == {b.pk}


class TestProfileFields:
    def test_me_has_and_edits_hire_me_portfolio_and_dm_policy(self, auth_client, user):
        body = auth_client.get(ME).json()
        assert (body["hire_me"], body["portfolio_url"], body["dm_policy"]) == (False, "", "everyone")
        response = auth_client.patch(
            ME, {"hire_me": True, "portfolio_url": "https://grace.dev", "dm_policy": "following"}
        )
        assert response.status_code == 200, response.content
        user.refresh_from_db()
        assert (user.hire_me, user.portfolio_url, user.dm_policy) == (True, "https://grace.dev", DmPolicy.FOLLOWING)

    @pytest.mark.parametrize(
        "body",
        [
            {"dm_policy": "friends"},
            {"dm_policy": None},
            {"hire_me": "perhaps"},
            {"portfolio_url": "not a url"},
            {"portfolio_url": "https://x.dev/" + "a" * 400},
        ],
    )
    def test_bad_values_400_and_nothing_changes(self, auth_client, user, body):
        response = auth_client.patch(ME, {"name": "Changed", **body})
        assert response.status_code == 400
        assert set(response.json()) == set(body)
        user.refresh_from_db()
        assert (user.name != "Changed", user.dm_policy, user.hire_me) == (True, "everyone", False)

    def test_public_profile_shows_hire_me_not_dm_policy(self, anon_client):
        other = UserFactory(hire_me=True, portfolio_url="https://o.dev")
        body = anon_client.get(f"/api/v1/users/{other.pk}/").json()
        assert (body["hire_me"], body["portfolio_url"]) == (True, "https://o.dev")
        assert "dm_policy" not in body and "email" not in body
