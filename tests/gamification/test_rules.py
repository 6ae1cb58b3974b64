"""Each badge's rule at its threshold and not one below, triggered by the real action.

The state before the last step is bulk-created with factories/ORM where the real count would be
large; the step that crosses the threshold (and the one just below it) goes through the API or,
for apps whose endpoints are not routed yet, through their service (the same code the view calls).
"""

import pytest

from gamification.models import UserBadge
from posts.models import Post
from rooms.models import Membership
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from users.models import Follow

pytestmark = pytest.mark.django_db


def badges_of(user) -> set[str]:
    return set(UserBadge.objects.filter(user=user).values_list("badge__code", flat=True))


def post_via_api(client, title="Hello") -> dict:
    response = client.post("/api/v1/posts/", {"title": title, "content": "Some words."}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def bulk_posts(author, count):
    Post.objects.bulk_create([Post(author=author, title=f"Old post {n}", content="...") for n in range(count)])


class TestPostBadges:
    def test_first_post_on_the_first_post_only(self, make_client, on_commit, awarded_signals):
        author = UserFactory()
        client = make_client(author)
        assert badges_of(author) == set()
        with on_commit():
            post_via_api(client)
        assert badges_of(author) == {"first_post"}
        assert awarded_signals == [(author.pk, "first_post")]
        with on_commit():
            post_via_api(client, "Second")
        assert awarded_signals == [(author.pk, "first_post")]  # once per user
        assert UserBadge.objects.filter(user=author).count() == 1

    def test_rising_star_at_ten_posts_not_nine(self, make_client, on_commit):
        author = UserFactory()
        bulk_posts(author, 8)
        client = make_client(author)
        with on_commit():
            post_via_api(client, "Ninth")
        assert "rising_star" not in badges_of(author)
        with on_commit():
            post_via_api(client, "Tenth")
        assert {"first_post", "rising_star"} <= badges_of(author)

    def test_a_failing_rule_does_not_break_the_post(self, make_client, on_commit, caplog):
        from gamification.models import Badge

        Badge.objects.filter(code="first_post").delete()
        author = UserFactory()
        with on_commit():
            body = post_via_api(make_client(author))
        assert Post.objects.filter(pk=body["id"], author=author).exists()
        assert badges_of(author) == set()
        assert "first_post" in caplog.text


class TestKarmaKing:
    def test_at_one_hundred_karma_not_ninety_nine(self, make_client, on_commit):
        author = UserFactory(karma=98)
        post = Post.objects.create(author=author, title="Upvote me", content="...")
        first, second = UserFactory(), UserFactory()
        with on_commit():
            response = make_client(first).post(f"/api/v1/posts/{post.pk}/vote/", {"value": 1}, format="json")
        assert response.status_code == 200
        author.refresh_from_db()
        assert author.karma == 99
        assert "karma_king" not in badges_of(author)
        with on_commit():
            assert make_client(second).post(f"/api/v1/posts/{post.pk}/upvote/").status_code == 200
        author.refresh_from_db()
        assert author.karma == 100
        assert "karma_king" in badges_of(author)

    def test_karma_follows_votes_changed_and_withdrawn_on_posts_and_comments(self, make_client, on_commit):
        from posts.models import Comment

        author = UserFactory()
        post = Post.objects.create(author=author, title="Vote on me", content="...")
        comment = Comment.objects.create(post=post, author=author, content="and me", depth=0)
        voter = make_client(UserFactory())
        steps = [
            (f"/api/v1/posts/{post.pk}/vote/", 1, 1),
            (f"/api/v1/posts/{post.pk}/vote/", -1, -1),  # the up-vote becomes a down-vote: -2
            (f"/api/v1/comments/{comment.pk}/vote/", 1, 0),
            (f"/api/v1/posts/{post.pk}/vote/", 0, 1),  # withdrawn
            (f"/api/v1/posts/{post.pk}/vote/", 0, 1),  # withdrawn again: no change
        ]
        for url, value, expected in steps:
            with on_commit():
                assert voter.post(url, {"value": value}, format="json").status_code == 200
            author.refresh_from_db()
            assert author.karma == expected, (url, value)

    def test_voting_on_your_own_post_changes_no_karma(self, make_client, on_commit):
        author = UserFactory()
        post = Post.objects.create(author=author, title="Mine", content="...")
        with on_commit():
            response = make_client(author).post(f"/api/v1/posts/{post.pk}/vote/", {"value": 1}, format="json")
        assert response.status_code == 400
        author.refresh_from_db()
        assert author.karma == 0


class TestCommunityBuilder:
    def test_on_joining_the_fifth_room_not_the_fourth(self, make_client, on_commit):
        user = UserFactory()
        for _ in range(3):
            MembershipFactory(user=user)
        fourth, fifth = RoomFactory(), RoomFactory()
        client = make_client(user)
        with on_commit():
            assert client.post(f"/api/v1/rooms/{fourth.pk}/join/", {}, format="json").status_code == 200
        assert Membership.objects.filter(user=user).count() == 4
        assert "community_builder" not in badges_of(user)
        with on_commit():
            assert client.post(f"/api/v1/rooms/{fifth.pk}/join/", {}, format="json").status_code == 200
        assert "community_builder" in badges_of(user)

    def test_creating_a_room_counts_as_joining_it(self, make_client, on_commit):
        user = UserFactory()
        for _ in range(4):
            MembershipFactory(user=user)
        with on_commit():
            response = make_client(user).post("/api/v1/rooms/", {"name": "My own room"}, format="json")
        assert response.status_code == 201, response.content
        assert "community_builder" in badges_of(user)


class TestSocialButterfly:
    def test_at_fifty_followers_not_forty_nine(self, make_client, on_commit):
        star = UserFactory()
        fans = UserFactory.create_batch(50)
        Follow.objects.bulk_create([Follow(follower=fan, followee=star) for fan in fans[:48]])
        with on_commit():
            assert make_client(fans[48]).post(f"/api/v1/users/{star.pk}/follow/").status_code == 200
        assert "social_butterfly" not in badges_of(star)
        with on_commit():
            assert make_client(fans[49]).post(f"/api/v1/users/{star.pk}/follow/").status_code == 200
        assert "social_butterfly" in badges_of(star)
        assert badges_of(fans[49]) == set()  # the follower earns nothing
