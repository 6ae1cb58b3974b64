import threading

import pytest
from django.conf import settings
from django.db import connection

from posts import signals
from posts.models import Comment, Post, Vote
from posts.ranking import hot_rank
from tests.conftest import client_for
from tests.factories import PostFactory, UserFactory, make_comment
from tests.posts.conftest import comment_url, post_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured_votes(recording_signals):
    """The kwargs of each vote_cast sent so far, in order: call it after the votes."""
    sent = recording_signals(signals.vote_cast)
    return lambda: sent.of(signals.vote_cast)


def vote(client, post_id, value):
    return client.post(f"{post_url(post_id)}vote/", {"value": value}, format="json")


def assert_post_counters(post_id):
    post = Post.objects.get(pk=post_id)
    values = list(Vote.objects.filter(post_id=post_id).values_list("value", flat=True))
    assert post.score == sum(values)
    assert post.upvotes == values.count(1)
    assert post.downvotes == values.count(-1)
    assert post.hot == pytest.approx(hot_rank(score=post.score, created_at=post.created_at), abs=1e-9)
    return post


def test_up_down_withdraw(user, auth_client, django_capture_on_commit_callbacks, captured_votes):
    author = UserFactory()
    post = PostFactory(author=author)
    with django_capture_on_commit_callbacks(execute=True):
        response = vote(auth_client, post.id, 1)
    assert response.status_code == 200
    body = response.json()
    assert (body["score"], body["upvotes"], body["downvotes"], body["my_vote"]) == (1, 1, 0, 1)
    with django_capture_on_commit_callbacks(execute=True):
        body = vote(auth_client, post.id, -1).json()
    assert (body["score"], body["upvotes"], body["downvotes"], body["my_vote"]) == (-1, 0, 1, -1)
    with django_capture_on_commit_callbacks(execute=True):
        body = vote(auth_client, post.id, 0).json()
    assert (body["score"], body["upvotes"], body["downvotes"], body["my_vote"]) == (0, 0, 0, 0)
    assert_post_counters(post.id)
    assert [(e["value"], e["previous_value"], e["karma_delta"]) for e in captured_votes()] == [
        (1, 0, 1),
        (-1, 1, -2),
        (0, -1, 1),
    ]
    assert all(e["author"] == author and e["voter"] == user and e["target"].pk == post.id for e in captured_votes())


def test_repeated_vote_is_idempotent(auth_client, django_capture_on_commit_callbacks, captured_votes):
    post = PostFactory()
    with django_capture_on_commit_callbacks(execute=True):
        vote(auth_client, post.id, 1)
        body = vote(auth_client, post.id, 1).json()
    assert body["score"] == 1 and body["upvotes"] == 1
    assert len(captured_votes()) == 1
    assert Vote.objects.count() == 1


def test_upvote_shortcut(auth_client):
    post = PostFactory()
    response = auth_client.post(f"{post_url(post.id)}upvote/")
    assert response.status_code == 200
    assert response.json()["my_vote"] == 1 and response.json()["score"] == 1


def test_votes_of_many_users_add_up_and_raise_hot(make_client):
    post = PostFactory()
    before = post.hot
    for value in (1, 1, 1, -1):
        assert vote(make_client(UserFactory()), post.id, value).status_code == 200
    post = assert_post_counters(post.id)
    assert (post.score, post.upvotes, post.downvotes) == (2, 3, 1)
    assert post.hot > before


def test_my_vote_is_per_viewer(user, auth_client, anon_client, make_client):
    post = PostFactory()
    vote(auth_client, post.id, -1)
    assert anon_client.get(post_url(post.id)).json()["my_vote"] == 0
    assert make_client(UserFactory()).get(post_url(post.id)).json()["my_vote"] == 0
    assert auth_client.get(post_url(post.id)).json()["my_vote"] == -1
    assert auth_client.get("/api/v1/posts/").json()["results"][0]["my_vote"] == -1


def test_cannot_vote_on_own_post(user, auth_client, captured_votes):
    post = PostFactory(author=user)
    response = vote(auth_client, post.id, 1)
    assert response.status_code == 400
    assert "value" in response.json()
    assert not Vote.objects.exists()
    assert Post.objects.get(pk=post.id).score == 0
    assert auth_client.post(f"{post_url(post.id)}upvote/").status_code == 400


@pytest.mark.parametrize(
    "payload", [{}, {"value": 2}, {"value": "1"}, {"value": True}, {"value": None}, {"value": 1.0}, []]
)
def test_vote_bad_input(auth_client, payload):
    post = PostFactory()
    response = auth_client.post(f"{post_url(post.id)}vote/", payload, format="json")
    assert response.status_code == 400
    assert not Vote.objects.exists()


def test_vote_requires_authentication_and_a_post(anon_client, auth_client):
    post = PostFactory()
    assert vote(anon_client, post.id, 1).status_code == 401
    assert vote(auth_client, 999999, 1).status_code == 404


def test_comment_votes(user, auth_client, django_capture_on_commit_callbacks, captured_votes):
    comment = make_comment(post=PostFactory())
    url = f"{comment_url(comment.id)}vote/"
    with django_capture_on_commit_callbacks(execute=True):
        body = auth_client.post(url, {"value": -1}, format="json").json()
    assert (body["score"], body["my_vote"]) == (-1, -1)
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes, comment.downvotes) == (-1, 0, 1)
    assert captured_votes()[0]["target"].pk == comment.id and isinstance(captured_votes()[0]["target"], Comment)
    assert captured_votes()[0]["author"] == comment.author
    listed = auth_client.get(f"{post_url(comment.post_id)}comments/").json()["results"][0]
    assert listed["my_vote"] == -1


def test_cannot_vote_on_own_or_deleted_comment(user, auth_client, make_client):
    own = make_comment(post=PostFactory(), author=user)
    assert auth_client.post(f"{comment_url(own.id)}vote/", {"value": 1}, format="json").status_code == 400
    other = make_comment(post=PostFactory())
    make_client(other.author).delete(comment_url(other.id))
    assert auth_client.post(f"{comment_url(other.id)}vote/", {"value": 1}, format="json").status_code == 400
    assert not Vote.objects.exists()


def _run_in_threads(jobs):
    """Run callables at the same instant, each thread on its own database connection."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


needs_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES,
    reason="SQLite serializes writers (one database lock), so concurrent votes cannot race; runs on PostgreSQL",
)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_stay_consistent():
    post = PostFactory()
    voters = [UserFactory() for _ in range(12)]
    clients = [client_for(v) for v in voters]
    values = [1 if i % 3 else -1 for i in range(len(voters))]
    responses = _run_in_threads([lambda c=c, v=v: vote(c, post.id, v) for c, v in zip(clients, values, strict=True)])
    assert all(r.status_code == 200 for r in responses)
    post = assert_post_counters(post.id)
    assert (post.score, post.upvotes, post.downvotes) == (sum(values), values.count(1), values.count(-1))
    # Everyone flips at once: the counters follow exactly.
    responses = _run_in_threads([lambda c=c, v=v: vote(c, post.id, -v) for c, v in zip(clients, values, strict=True)])
    assert all(r.status_code == 200 for r in responses)
    post = assert_post_counters(post.id)
    assert post.score == -sum(values)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_of_one_user_count_once():
    post = PostFactory()
    voter = UserFactory()
    clients = [client_for(voter) for _ in range(6)]
    responses = _run_in_threads([lambda c=c: vote(c, post.id, 1) for c in clients])
    assert all(r.status_code == 200 for r in responses), [r.content for r in responses]
    assert Vote.objects.filter(post=post).count() == 1
    post = assert_post_counters(post.id)
    assert (post.score, post.upvotes) == (1, 1)
    # Mixed values at once: whatever order they land in, the counters match the one stored vote.
    mixed = zip(clients, [1, -1, 0] * 2, strict=True)
    responses = _run_in_threads([lambda c=c, v=v: vote(c, post.id, v) for c, v in mixed])
    assert all(r.status_code == 200 for r in responses)
    assert_post_counters(post.id)


@needs_postgres
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_comment_votes_and_comments():
    post = PostFactory()
    comment = make_comment(post=post)
    users = [UserFactory() for _ in range(8)]
    clients = [client_for(u) for u in users]
    jobs = [lambda c=c: c.post(f"{comment_url(comment.id)}vote/", {"value": 1}, format="json") for c in clients]
    jobs += [lambda c=c: c.post(f"{post_url(post.id)}comments/", {"content": "hi"}) for c in clients]
    responses = _run_in_threads(jobs)
    assert all(r.status_code in (200, 201) for r in responses)
    comment.refresh_from_db()
    assert (comment.score, comment.upvotes) == (8, 8)
    assert Post.objects.get(pk=post.id).comment_count == 9
