"""Karma, streaks and awards under concurrent requests: real threads, one database connection each.

PostgreSQL only: it runs the requests truly in parallel (SQLite serialises writers on a file lock).
Transactional tests, so each request commits and the receivers run as in production. The badge
catalogue of the data migration is put back by the migration's own function: a transactional test
before these may have flushed it (serialized_rollback clashes with content types recreated by flush).
"""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings

from gamification.models import ActivityDay, UserBadge
from gamification.signals import badge_awarded
from posts.models import Post
from tests.concurrency import run_together
from tests.conftest import client_for
from tests.factories import UserFactory
from users.models import Follow

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL for truly parallel writers"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def badge_catalogue(transactional_db):
    import_module("gamification.migrations.0002_badge_catalogue").add_catalogue(apps, None)


def test_karma_is_exact_under_concurrent_votes():
    author = UserFactory()
    post = Post.objects.create(author=author, title="Popular", content="...")
    up_voters, down_voters = UserFactory.create_batch(16), UserFactory.create_batch(4)
    clients = [(client_for(u), 1) for u in up_voters] + [(client_for(u), -1) for u in down_voters]
    url = f"/api/v1/posts/{post.pk}/vote/"

    statuses = run_together([lambda c=c, v=v: c.post(url, {"value": v}, format="json").status_code for c, v in clients])

    assert statuses == [200] * 20
    author.refresh_from_db()
    post.refresh_from_db()
    assert post.score == 12
    assert author.karma == 12
    assert ActivityDay.objects.get(user=author).karma == 12

    # Everyone changes their mind at once: every up-vote becomes a down-vote and vice versa.
    flipped = [lambda c=c, v=v: c.post(url, {"value": -v}, format="json").status_code for c, v in clients]
    assert run_together(flipped) == [200] * 20
    author.refresh_from_db()
    assert author.karma == -12
    assert ActivityDay.objects.get(user=author).karma == -12


def test_concurrent_activity_on_one_day_counts_every_contribution_and_one_streak_day():
    author = UserFactory()
    client = client_for(author)
    room_post = Post.objects.create(author=UserFactory(), title="Discuss", content="...")
    url = f"/api/v1/posts/{room_post.pk}/comments/"
    statuses = run_together(
        [lambda n=n: client.post(url, {"content": f"c{n}"}, format="json").status_code for n in range(8)]
    )
    assert statuses == [201] * 8
    author.refresh_from_db()
    assert (author.current_streak, author.longest_streak) == (1, 1)
    assert ActivityDay.objects.get(user=author).contributions == 8


def test_the_fiftieth_follower_arriving_together_with_the_fifty_first_awards_once():
    star = UserFactory()
    fans = UserFactory.create_batch(52)
    Follow.objects.bulk_create([Follow(follower=fan, followee=star) for fan in fans[:48]])
    sent = []

    def listen(sender, user, badge, **kwargs):
        sent.append((user.pk, badge.code))

    badge_awarded.connect(listen, dispatch_uid="test-concurrent-award")
    try:
        calls = [lambda f=f: client_for(f).post(f"/api/v1/users/{star.pk}/follow/").status_code for f in fans[48:]]
        assert run_together(calls) == [200] * 4
    finally:
        badge_awarded.disconnect(dispatch_uid="test-concurrent-award")
    assert UserBadge.objects.filter(user=star, badge__code="social_butterfly").count() == 1
    assert sent == [(star.pk, "social_butterfly")]
