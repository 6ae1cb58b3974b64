import pytest
from django.conf import settings

from notifications.models import Notification
from posts import signals
from posts.models import Post
from rooms.models import Ban
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory
from tests.posts.conftest import POSTS, comments_url, ids, post_url

pytestmark = pytest.mark.django_db


def test_search_matches_title_and_content(anon_client):
    in_title = PostFactory(title="Async generators explained", content="nothing here")
    in_content = PostFactory(title="Misc", content="I love async code")
    PostFactory(title="Unrelated", content="sync only")
    assert set(ids(anon_client.get(POSTS, {"search": "async"}))) == {in_title.id, in_content.id}


def test_search_sees_edits(user, auth_client, anon_client):
    post = PostFactory(author=user, title="old words")
    auth_client.patch(post_url(post.id), {"title": "kubernetes tips"})
    assert ids(anon_client.get(POSTS, {"search": "kubernetes"})) == [post.id]
    assert ids(anon_client.get(POSTS, {"search": "old"})) == []


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="ranked full-text search is PostgreSQL's; SQLite uses icontains")
@pytest.mark.postgres
def test_postgres_full_text_is_stemmed_and_ranked(anon_client):
    in_content = PostFactory(title="Weekly notes", content="we were running benchmarks")
    in_title = PostFactory(title="Running Postgres in production", content="notes")
    response = anon_client.get(POSTS, {"search": "run"})
    # Stemming finds "running"; a title match (weight A) outranks a content match (weight B).
    assert ids(response) == [in_title.id, in_content.id]
    assert ids(anon_client.get(POSTS, {"search": "run", "ordering": "new"})) == [in_title.id, in_content.id]
    assert ids(anon_client.get(POSTS, {"search": '"running benchmarks" -postgres'})) == [in_content.id]
    assert Post.objects.filter(search_vector__isnull=True).count() == 0


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the GIN index exists on PostgreSQL only")
@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'post_search_gin'")
        assert "USING gin (search_vector)" in cursor.fetchone()[0]


def test_search_cursor_walks_all_matches(anon_client):
    posts = [PostFactory(title=f"needle {i}", content="needle " * i) for i in range(5)]
    seen, url, params = [], POSTS, {"search": "needle", "page_size": 2}
    while url:
        body = anon_client.get(url, params).json()
        seen += ids_of(body)
        url, params = body["next"], None
    assert sorted(seen) == sorted(p.id for p in posts) and len(seen) == 5


def ids_of(body):
    return [item["id"] for item in body["results"]]


@pytest.fixture
def captured(recording_signals):
    return recording_signals(signals.post_created, signals.comment_created)


def test_post_created_after_commit_with_mentions(user, auth_client, captured, django_capture_on_commit_callbacks):
    alice, bob = UserFactory(handle="alice"), UserFactory(handle="bob")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = auth_client.post(POSTS, {"title": "Hi @alice", "content": f"and @bob and @{user.handle}"})
    assert captured.of(signals.post_created) == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert response.status_code == 201
    (event,) = captured.of(signals.post_created)
    assert event["post"].pk == response.json()["id"]
    assert {u.pk for u in event["mentioned_users"]} == {alice.pk, bob.pk}


def test_mentions_in_a_private_room_reach_members_only(user, auth_client, captured, django_capture_on_commit_callbacks):
    room = RoomFactory(is_public=False)
    MembershipFactory(room=room, user=user)
    member, outsider = UserFactory(handle="member1"), UserFactory(handle="outsider1")
    MembershipFactory(room=room, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(POSTS, {"title": "ping", "content": "@member1 @outsider1", "room": room.id})
        post_id = Post.objects.get().id
        auth_client.post(comments_url(post_id), {"content": "again @member1 @outsider1"})
    assert [u.pk for u in captured.of(signals.post_created)[0]["mentioned_users"]] == [member.pk]
    assert [u.pk for u in captured.of(signals.comment_created)[0]["mentioned_users"]] == [member.pk]
    assert outsider.pk not in {u.pk for e in captured.of(signals.comment_created) for u in e["mentioned_users"]}


def test_banned_users_hear_of_no_room_content(user, auth_client, captured, django_capture_on_commit_callbacks):
    """A ban shuts a user out of what is posted in the room: in a public room, and in a private one
    also while a membership survives (a join that raced the ban). Posts used to ignore bans here."""
    public, private = RoomFactory(is_public=True), RoomFactory(is_public=False)
    for room in (public, private):
        MembershipFactory(room=room, user=user)
    reader, banned = UserFactory(handle="reader1"), UserFactory(handle="banned1")
    MembershipFactory(room=private, user=reader)
    MembershipFactory(room=private, user=banned)
    for room in (public, private):
        Ban.objects.create(room=room, user=banned, banned_by=user)
    with django_capture_on_commit_callbacks(execute=True):
        for room in (public, private):
            response = auth_client.post(POSTS, {"title": "ping", "content": "@reader1 @banned1", "room": room.id})
            assert response.status_code == 201, response.content
            auth_client.post(comments_url(response.json()["id"]), {"content": "again @reader1 @banned1"})
    assert [[u.pk for u in event["mentioned_users"]] for event in captured.of(signals.post_created)] == [
        [reader.pk],
        [reader.pk],
    ]
    assert [[u.pk for u in event["mentioned_users"]] for event in captured.of(signals.comment_created)] == [
        [reader.pk],
        [reader.pk],
    ]
    assert not Notification.objects.filter(recipient=banned).exists()
    assert Notification.objects.filter(recipient=reader, verb="mention").count() == 4


def test_comment_created_carries_parent(user, auth_client, captured, django_capture_on_commit_callbacks):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        top = auth_client.post(comments_url(post.id), {"content": "top"}).json()
        auth_client.post(comments_url(post.id), {"content": "reply", "parent": top["id"]})
    first, second = captured.of(signals.comment_created)
    assert first["comment"].parent is None and first["comment"].post.author == post.author
    assert second["comment"].parent.author == user
    assert first["mentioned_users"] == []


def test_failed_write_sends_nothing(auth_client, captured, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auth_client.post(POSTS, {"title": ""})
    assert captured.of(signals.post_created) == []
