from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from posts.models import Comment, Post, Vote
from posts.ranking import hot_rank
from tests.factories import PostFactory, UserFactory, make_comment

pytestmark = pytest.mark.django_db


def test_seed_bench_small_scale_writes_consistent_data():
    out = StringIO()
    call_command("seed_bench", "--scale", "0.002", stdout=out)
    assert "Seeded 20 users, 400 posts, 2000 votes, 1000 comments" in out.getvalue()
    assert (Post.objects.count(), Comment.objects.count()) == (400, 1000)
    assert Vote.objects.count() == 2000
    for post in Post.objects.annotate(
        vote_sum=Sum("votes__value"), ups=Count("votes", filter=Q(votes__value=1))
    ).order_by("?")[:50]:
        assert post.score == (post.vote_sum or 0) and post.upvotes == post.ups
        assert post.hot == pytest.approx(hot_rank(score=post.score, created_at=post.created_at))
        assert post.comment_count == post.comments.count()
    for comment in Comment.objects.filter(parent__isnull=False).select_related("parent")[:50]:
        assert comment.path.startswith(comment.parent.path) and comment.depth == comment.parent.depth + 1
    # The sequences moved past the explicit ids: a normal insert still works.
    UserFactory()
    make_comment(post=PostFactory())
    with pytest.raises(CommandError):
        call_command("seed_bench", "--scale", "0.002", stdout=StringIO())


def test_demo_seed_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert Post.objects.filter(title__startswith="Welcome to CodeNest").count() == 1
    snippet = Post.objects.get(title="A tiny retry decorator")
    assert (snippet.score, snippet.comment_count) == (2, 3)
    assert list(snippet.comments.values_list("depth", flat=True)) == [0, 1, 2]
