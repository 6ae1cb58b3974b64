"""A private room's posts and comments never reach outsiders: 404 on every detail and action, absent
from every list, filter, feed and search."""

import pytest

from posts.models import Comment, Report, Vote
from tests.conftest import client_for
from tests.factories import MembershipFactory, PostFactory, UserFactory, make_comment
from tests.posts.conftest import POSTS, comment_url, comments_url, ids, post_url
from users.models import Follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider_client(private_world):
    return client_for(private_world["outsider"])


def test_detail_and_every_action_answer_404_to_outsiders(private_world, outsider_client, anon_client):
    post = private_world["post"]
    comment = make_comment(post=post, author=private_world["member"])
    for client in (outsider_client, anon_client):
        assert client.get(post_url(post.id)).status_code == 404
        assert client.get(comments_url(post.id)).status_code == 404
        assert client.get(comment_url(comment.id)).status_code == 404
    assert outsider_client.patch(post_url(post.id), {"title": "x"}).status_code == 404
    assert outsider_client.delete(post_url(post.id)).status_code == 404
    assert outsider_client.post(comments_url(post.id), {"content": "x"}).status_code == 404
    assert outsider_client.post(f"{post_url(post.id)}vote/", {"value": 1}, format="json").status_code == 404
    assert outsider_client.post(f"{post_url(post.id)}upvote/").status_code == 404
    assert outsider_client.post(f"{post_url(post.id)}report/", {"reason": "spam"}).status_code == 404
    assert outsider_client.patch(comment_url(comment.id), {"content": "x"}).status_code == 404
    assert outsider_client.delete(comment_url(comment.id)).status_code == 404
    assert outsider_client.post(f"{comment_url(comment.id)}vote/", {"value": 1}, format="json").status_code == 404
    assert outsider_client.post(f"{comment_url(comment.id)}report/", {"reason": "spam"}).status_code == 404
    assert not Vote.objects.exists() and not Report.objects.exists()
    assert Comment.objects.filter(post=post).count() == 1


def test_members_see_everything(private_world):
    member_client = client_for(private_world["owner"])
    post = private_world["post"]
    assert member_client.get(post_url(post.id)).status_code == 200
    assert post.id in ids(member_client.get(POSTS))
    assert post.id in ids(member_client.get(POSTS, {"search": "zebra"}))
    assert member_client.post(f"{post_url(post.id)}vote/", {"value": 1}, format="json").status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ordering": "hot"},
        {"ordering": "top"},
        {"ordering": "top", "period": "day"},
        {"search": "zebra"},
        {"search": "zebra", "ordering": "new"},
        {"search": "zebra", "ordering": "hot"},
        {"room": "ROOM"},
        {"author": "insider"},
        {"author": "AUTHOR_ID"},
        {"tag": "secret"},
    ],
)
def test_absent_from_every_list_filter_and_search(private_world, outsider_client, anon_client, params):
    post = private_world["post"]
    post.tags.create(name="secret")
    public = PostFactory(author=private_world["member"], title="public zebra")
    public.tags.add(post.tags.get())
    params = {
        k: {"ROOM": private_world["room"].id, "AUTHOR_ID": private_world["member"].id}.get(v, v)
        for k, v in params.items()
    }
    for client in (outsider_client, anon_client):
        response = client.get(POSTS, params)
        assert response.status_code == 200
        assert post.id not in ids(response)
    member_view = client_for(private_world["member"]).get(POSTS, params)
    assert post.id in ids(member_view)


def test_absent_from_the_personal_feed_of_followers(private_world, outsider_client):
    """Following a member does not open their private room's posts."""
    Follow.objects.create(follower=private_world["outsider"], followee=private_world["member"])
    public = PostFactory(author=private_world["member"])
    response = outsider_client.get("/api/v1/feed/")
    assert ids(response) == [public.id]
    assert private_world["post"].id in ids(client_for(private_world["member"]).get("/api/v1/feed/"))


def test_leaving_the_room_hides_it_again(private_world):
    leaver = UserFactory()
    membership = MembershipFactory(room=private_world["room"], user=leaver)
    client = client_for(leaver)
    assert client.get(post_url(private_world["post"].id)).status_code == 200
    membership.delete()
    assert client.get(post_url(private_world["post"].id)).status_code == 404
