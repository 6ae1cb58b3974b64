"""A block silences mentions both ways: in chat, posts and comments (issue 10)."""

import pytest

from notifications.models import Notification
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory
from users.services import block_create

pytestmark = pytest.mark.django_db


def mentions_of(user) -> list[int]:
    return list(Notification.objects.filter(recipient=user, verb="mention").values_list("actor_id", flat=True))


@pytest.fixture
def trio():
    """(me, blocked, friend): `me` blocked `blocked`; `friend` is unrelated."""
    me, blocked, friend = UserFactory(handle="blocker"), UserFactory(handle="pest"), UserFactory(handle="friend")
    block_create(blocker=me, blocked=blocked)
    return me, blocked, friend


def test_chat_mention_by_a_blocked_user_notifies_nobody_who_blocked_them(trio, make_client, on_commit):
    me, blocked, friend = trio
    room = RoomFactory(creator=blocked)
    MembershipFactory(room=room, user=me)
    MembershipFactory(room=room, user=friend)
    with on_commit():
        response = make_client(blocked).post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "@blocker @friend hi"})
    assert response.status_code == 201
    assert mentions_of(me) == []
    assert mentions_of(friend) == [blocked.pk]


def test_post_and_comment_mentions_are_silenced_both_ways(trio, make_client, on_commit):
    me, blocked, friend = trio
    with on_commit():
        assert make_client(blocked).post("/api/v1/posts/", {"title": "Hey @blocker", "content": "x"}).status_code == 201
        # The blocker mentioning the blocked user does not reach them either.
        assert make_client(me).post("/api/v1/posts/", {"title": "About @pest", "content": "y"}).status_code == 201
        post = PostFactory(author=friend)
        response = make_client(blocked).post(f"/api/v1/posts/{post.pk}/comments/", {"content": "@blocker look"})
        assert response.status_code == 201
    assert mentions_of(me) == []
    assert mentions_of(blocked) == []


def test_after_unblocking_mentions_notify_again(trio, make_client, on_commit):
    me, blocked, _ = trio
    assert make_client(me).delete(f"/api/v1/users/{blocked.pk}/block/").status_code == 204
    with on_commit():
        make_client(blocked).post("/api/v1/posts/", {"title": "Hey @blocker", "content": "x"})
    assert mentions_of(me) == [blocked.pk]


def test_no_notification_of_any_kind_crosses_a_block(trio, make_client, on_commit):
    """Comments on my post and replies to my comment from someone I blocked notify me of nothing."""
    me, blocked, friend = trio
    post = PostFactory(author=me)
    with on_commit():
        mine = make_client(me).post(f"/api/v1/posts/{post.pk}/comments/", {"content": "First"}).json()
        make_client(blocked).post(f"/api/v1/posts/{post.pk}/comments/", {"content": "Ha"})
        make_client(blocked).post(f"/api/v1/posts/{post.pk}/comments/", {"content": "Re", "parent": mine["id"]})
        make_client(friend).post(f"/api/v1/posts/{post.pk}/comments/", {"content": "Nice"})
    assert list(Notification.objects.filter(recipient=me).values_list("actor_id", flat=True)) == [friend.pk]
