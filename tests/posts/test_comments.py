import pytest

from posts.models import MAX_COMMENT_DEPTH, Comment, Post
from rooms.models import Role
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory, make_comment
from tests.posts.conftest import comment_url, comments_url

pytestmark = pytest.mark.django_db


def test_create_top_level_comment(user, auth_client):
    post = PostFactory()
    response = auth_client.post(comments_url(post.id), {"content": "Nice post"})
    assert response.status_code == 201
    body = response.json()
    assert body["post"] == post.id and body["parent"] is None and body["depth"] == 0
    assert body["author"]["id"] == user.id and body["content"] == "Nice post"
    assert (body["score"], body["my_vote"], body["is_deleted"], body["edited_at"]) == (0, 0, False, None)
    post.refresh_from_db()
    assert post.comment_count == 1


def test_thread_order_with_nested_replies(anon_client):
    post = PostFactory()
    a = make_comment(post=post, content="a")
    b = make_comment(post=post, content="b")
    a1 = make_comment(post=post, parent=a, content="a1")
    b1 = make_comment(post=post, parent=b, content="b1")
    a2 = make_comment(post=post, parent=a, content="a2")
    a1x = make_comment(post=post, parent=a1, content="a1x")
    c = make_comment(post=post, content="c")
    a1xy = make_comment(post=post, parent=a1x, content="a1xy")
    response = anon_client.get(comments_url(post.id))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["content"] for r in results] == ["a", "a1", "a1x", "a1xy", "a2", "b", "b1", "c"]
    assert [r["depth"] for r in results] == [0, 1, 2, 3, 1, 0, 1, 0]
    assert [r["parent"] for r in results] == [None, a.id, a1.id, a1x.id, a.id, None, b.id, None]
    assert {a.id, b.id, a1.id, b1.id, a2.id, a1x.id, c.id, a1xy.id} == {r["id"] for r in results}


def test_thread_order_survives_ids_of_different_lengths(anon_client):
    """Paths are zero-padded, so comment 10 does not sort before comment 9's replies."""
    post = PostFactory()
    parent = make_comment(post=post)
    replies = [make_comment(post=post, parent=parent) for _ in range(12)]
    later = make_comment(post=post)
    results = anon_client.get(comments_url(post.id)).json()["results"]
    assert [r["id"] for r in results] == [parent.id, *[r.id for r in replies], later.id]


def test_deep_threads_to_the_cap(user, auth_client):
    post = PostFactory()
    parent = None
    for depth in range(MAX_COMMENT_DEPTH + 1):
        response = auth_client.post(
            comments_url(post.id), {"content": f"level {depth}", "parent": parent}, format="json"
        )
        assert response.status_code == 201, response.json()
        assert response.json()["depth"] == depth
        parent = response.json()["id"]
    too_deep = auth_client.post(comments_url(post.id), {"content": "too deep", "parent": parent})
    assert too_deep.status_code == 400
    assert "parent" in too_deep.json()
    results = auth_client.get(comments_url(post.id)).json()["results"]
    assert [r["depth"] for r in results] == list(range(MAX_COMMENT_DEPTH + 1))
    post.refresh_from_db()
    assert post.comment_count == MAX_COMMENT_DEPTH + 1


def test_reply_to_comment_of_another_post_is_refused(auth_client):
    post, other = PostFactory(), PostFactory()
    foreign = make_comment(post=other)
    response = auth_client.post(comments_url(post.id), {"content": "x", "parent": foreign.id})
    assert response.status_code == 400
    assert "parent" in response.json()
    assert not Comment.objects.filter(post=post).exists()
    post.refresh_from_db()
    assert post.comment_count == 0


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"content": ""},
        {"content": "x" * 10001},
        {"content": "x", "parent": "a"},
        {"content": "x", "parent": 0},
        {"content": "x", "parent": 10**25},
        {"content": 5.5},
        {"content": "x", "parent": 999999},
    ],
)
def test_comment_bad_input(auth_client, payload):
    post = PostFactory()
    response = auth_client.post(comments_url(post.id), payload, format="json")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_comment_requires_authentication(anon_client):
    post = PostFactory()
    assert anon_client.post(comments_url(post.id), {"content": "x"}).status_code == 401


def test_comment_on_missing_post(auth_client):
    assert auth_client.post(comments_url(424242), {"content": "x"}).status_code == 404
    assert auth_client.get(comments_url(424242)).status_code == 404


def test_soft_delete_keeps_the_thread(user, auth_client, anon_client):
    post = PostFactory()
    mine = make_comment(post=post, author=user, content="regrettable")
    reply = make_comment(post=post, parent=mine, content="a reply")
    assert auth_client.delete(comment_url(mine.id)).status_code == 204
    results = anon_client.get(comments_url(post.id)).json()["results"]
    assert [r["id"] for r in results] == [mine.id, reply.id]
    assert results[0]["is_deleted"] is True and results[0]["content"] == "" and results[0]["author"] is None
    assert results[1]["content"] == "a reply"
    mine.refresh_from_db()
    assert mine.is_deleted and mine.content == ""
    post.refresh_from_db()
    assert post.comment_count == 1
    # A second delete changes nothing, and the count does not go down twice.
    assert auth_client.delete(comment_url(mine.id)).status_code == 204
    post.refresh_from_db()
    assert post.comment_count == 1
    # A deleted comment takes no replies and no edits.
    assert auth_client.post(comments_url(post.id), {"content": "x", "parent": mine.id}).status_code == 400
    assert auth_client.patch(comment_url(mine.id), {"content": "back"}).status_code == 400


def test_edit_comment_by_author(user, auth_client):
    comment = make_comment(post=PostFactory(), author=user)
    response = auth_client.patch(comment_url(comment.id), {"content": "fixed typo"})
    assert response.status_code == 200
    assert response.json()["content"] == "fixed typo" and response.json()["edited_at"] is not None


def test_edit_comment_by_other_is_forbidden(auth_client):
    comment = make_comment(post=PostFactory(), content="original")
    assert auth_client.patch(comment_url(comment.id), {"content": "hijack"}).status_code == 403
    comment.refresh_from_db()
    assert comment.content == "original"


def test_edit_comment_bad_input(user, auth_client):
    comment = make_comment(post=PostFactory(), author=user, content="original")
    assert auth_client.patch(comment_url(comment.id), {"content": ""}).status_code == 400
    assert auth_client.patch(comment_url(comment.id), {"content": "x" * 10001}).status_code == 400
    assert auth_client.patch(comment_url(comment.id), {}).status_code == 400
    comment.refresh_from_db()
    assert comment.content == "original"


def test_delete_comment_permissions(make_client):
    room = RoomFactory()
    moderator, member = UserFactory(), UserFactory()
    MembershipFactory(room=room, user=moderator, role=Role.MODERATOR)
    MembershipFactory(room=room, user=member)
    post = PostFactory(room=room)
    comment = make_comment(post=post)
    assert make_client(member).delete(comment_url(comment.id)).status_code == 403
    assert make_client(UserFactory()).delete(comment_url(comment.id)).status_code == 403
    assert make_client(moderator).delete(comment_url(comment.id)).status_code == 204
    other = make_comment(post=post)
    assert make_client(UserFactory(is_staff=True)).delete(comment_url(other.id)).status_code == 204
    assert Post.objects.get(pk=post.id).comment_count == 0


def test_comment_detail_and_missing(anon_client):
    comment = make_comment(post=PostFactory())
    assert anon_client.get(comment_url(comment.id)).json()["id"] == comment.id
    assert anon_client.get(comment_url(999999)).status_code == 404
    assert anon_client.get(comment_url("9" * 30)).status_code == 404


def test_comment_list_cursor(anon_client):
    post = PostFactory()
    comments = [make_comment(post=post) for _ in range(5)]
    page = anon_client.get(comments_url(post.id), {"page_size": 2}).json()
    seen = [c["id"] for c in page["results"]]
    while page["next"]:
        page = anon_client.get(page["next"]).json()
        seen += [c["id"] for c in page["results"]]
    assert seen == [c.id for c in comments]


def test_deleting_a_post_deletes_its_comments(user, auth_client):
    post = PostFactory(author=user)
    make_comment(post=post)
    auth_client.delete(f"/api/v1/posts/{post.id}/")
    assert not Comment.objects.exists()
