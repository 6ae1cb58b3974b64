"""Lists cost the same number of queries for 1 item as for 20: the rows with author and my_vote in
one statement, the page's tags in one more (plus one for the token's user)."""

import pytest

from posts.models import Tag
from posts.services import vote_cast
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory, make_comment
from tests.posts.conftest import POSTS, comments_url, post_url
from users.models import Follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_site(user):
    room = RoomFactory()
    MembershipFactory(room=room, user=user)
    python, django = Tag.objects.create(name="python"), Tag.objects.create(name="django")
    posts = []
    for i in range(25):
        author = UserFactory()
        Follow.objects.create(follower=user, followee=author)
        post = PostFactory(author=author, room=room if i % 2 else None, title=f"zebra {i}")
        post.tags.add(python, django)
        posts.append(post)
    for post in posts[:5]:
        vote_cast(voter=user, target=post, value=1)
    return posts


@pytest.mark.parametrize("page_size", [1, 20])
@pytest.mark.parametrize("ordering", ["new", "hot", "top"])
def test_post_list_queries(busy_site, auth_client, django_assert_num_queries, page_size, ordering):
    # user (token) + posts with author and my_vote + tags, images and previews of the page
    with django_assert_num_queries(5):
        response = auth_client.get(POSTS, {"page_size": page_size, "ordering": ordering})
    assert len(response.json()["results"]) == page_size
    assert response.json()["next"] is not None


@pytest.mark.parametrize("page_size", [1, 20])
def test_post_list_queries_anonymous_and_filtered(busy_site, anon_client, django_assert_num_queries, page_size):
    with django_assert_num_queries(4):
        response = anon_client.get(POSTS, {"page_size": page_size, "tag": "python", "search": "zebra"})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 20])
def test_deep_cursor_costs_the_same(busy_site, auth_client, django_assert_num_queries, page_size):
    next_url = auth_client.get(POSTS, {"page_size": 3, "ordering": "hot"}).json()["next"]
    next_url = next_url.replace("page_size=3", f"page_size={page_size}")
    with django_assert_num_queries(5):
        response = auth_client.get(next_url)
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [1, 20])
def test_personal_feed_queries(busy_site, auth_client, django_assert_num_queries, page_size):
    with django_assert_num_queries(5):
        response = auth_client.get("/api/v1/feed/", {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.fixture
def long_thread(user):
    post = PostFactory()
    parent = None
    for i in range(25):
        comment = make_comment(post=post, parent=parent if i % 2 else None)
        parent = comment
    vote_cast(voter=user, target=parent, value=-1)
    return post


@pytest.mark.parametrize("page_size", [1, 20])
def test_comment_list_queries(long_thread, auth_client, django_assert_num_queries, page_size):
    # user (token) + is the post visible + the thread page with authors and my_vote
    with django_assert_num_queries(3):
        response = auth_client.get(comments_url(long_thread.id), {"page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_post_detail_with_comments_queries(long_thread, auth_client, django_assert_num_queries):
    with django_assert_num_queries(6):
        response = auth_client.get(post_url(long_thread.id))
    assert len(response.json()["comments"]) == 25
