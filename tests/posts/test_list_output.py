"""The feeds and comment lists write their rows with post_data/comment_data: the bytes must be the ones
PostSerializer/CommentSerializer and DRF's renderer wrote for the same rows (issue 16)."""

import pytest
from django.utils import timezone

from posts.models import Tag
from posts.selectors import comment_list_for_post, post_list_visible_to
from posts.serializers import CommentSerializer, PostSerializer
from posts.services import comment_delete, vote_cast
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory, make_comment
from tests.list_output import AWKWARD_TEXT, assert_response_is_serializer_output, frozen_clock
from uploads.models import LinkPreview, Upload
from users.models import Follow

POSTS = "/api/v1/posts/"


@pytest.fixture
def varied_posts(user):
    """Posts of every shape a viewer meets: voted up and down, tagged, in a room, edited, code, link,
    by an erased author, with images and link previews (one preview failed), awkward text."""
    room = RoomFactory(is_public=False)
    MembershipFactory(room=room, user=user)
    python, rust = Tag.objects.create(name="python"), Tag.objects.create(name="rust")
    erased = UserFactory(avatar="https://example.com/a.png")
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    posts = [
        PostFactory(title="plain zebra"),
        PostFactory(title="room zebra", room=room, content=AWKWARD_TEXT),
        PostFactory(title="code zebra", kind="code", code_language="python", content="print('hi')\n"),
        PostFactory(title="link zebra", kind="link", url="https://example.com/x?a=1&b=2"),
        PostFactory(title="edited zebra", edited_at=timezone.now()),
        PostFactory(title="zebra by the erased", author=erased),
        PostFactory(title=AWKWARD_TEXT + " zebra", author=UserFactory(name="Zoë 😀")),
    ]
    posts[0].tags.add(python, rust)
    posts[1].tags.add(rust)
    for post in posts[:2]:
        vote_cast(voter=user, target=post, value=1)
    vote_cast(voter=user, target=posts[2], value=-1)
    vote_cast(voter=UserFactory(), target=posts[3], value=1)
    for i in range(2):
        image = Upload.objects.create(
            owner=posts[4].author, file=f"x/{i}.png", name=f"é {i}.png", size=10 + i, content_type="image/png"
        )
        posts[4].images.add(image)
    today = timezone.now().date()
    good = LinkPreview.objects.create(url="https://example.com/x", url_hash="a", fetched_on=today, ok=True, title="X")
    bad = LinkPreview.objects.create(url="https://example.com/y", url_hash="b", fetched_on=today, ok=False)
    posts[3].previews.add(good, bad)
    return posts


def reference(user, response) -> list:
    """PostSerializer over the old path (prefetching selector) for the rows the response lists."""
    ids = [post["id"] for post in response.json()["results"]]
    posts = {post.pk: post for post in post_list_visible_to(user).filter(pk__in=ids)}
    return PostSerializer([posts[pk] for pk in ids], many=True).data


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"ordering": "hot"},
        {"ordering": "top", "page_size": 3},
        {"search": "zebra"},
        {"tag": "rust"},
    ],
)
def test_feed_bytes_are_the_serializers(varied_posts, user, auth_client, params):
    with frozen_clock():
        response = auth_client.get(POSTS, params)
        assert response.json()["results"]
        assert_response_is_serializer_output(response, reference(user, response))


def test_feed_bytes_for_an_anonymous_reader(varied_posts, anon_client):
    with frozen_clock():
        response = anon_client.get(POSTS)
        assert_response_is_serializer_output(response, reference(None, response))


def test_personal_feed_bytes_are_the_serializers(varied_posts, user, auth_client):
    for post in varied_posts:
        Follow.objects.get_or_create(follower=user, followee=post.author)
    with frozen_clock():
        response = auth_client.get("/api/v1/feed/")
        assert len(response.json()["results"]) == len(varied_posts)
        assert_response_is_serializer_output(response, reference(user, response))


def test_comment_list_bytes_are_the_serializers(user, auth_client):
    post = PostFactory()
    first = make_comment(post=post, content=AWKWARD_TEXT)
    reply = make_comment(post=post, parent=first, author=user)
    deep = make_comment(post=post, parent=reply, content="deep")
    removed = make_comment(post=post, content="to be removed")
    comment_delete(comment=removed, actor=removed.author)
    vote_cast(voter=user, target=first, value=1)
    vote_cast(voter=user, target=deep, value=-1)
    response = auth_client.get(f"{POSTS}{post.pk}/comments/", {"page_size": 3})
    assert response.json()["next"]
    comments = {c.pk: c for c in comment_list_for_post(post=post, user=user)}
    reference_rows = CommentSerializer([comments[c["id"]] for c in response.json()["results"]], many=True).data
    assert_response_is_serializer_output(response, reference_rows)
    everything = auth_client.get(f"{POSTS}{post.pk}/comments/")
    assert any(c["is_deleted"] and c["author"] is None for c in everything.json()["results"])
    reference_rows = CommentSerializer([comments[c["id"]] for c in everything.json()["results"]], many=True).data
    assert_response_is_serializer_output(everything, reference_rows)
