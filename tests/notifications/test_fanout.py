"""Fan-out happens off the request: receivers enqueue notifications.tasks.notify and
gamification.tasks.badges_award with ids; the task inserts every recipient's notification at once.

With the embedded default the tasks run eagerly (every other test here); these tests send them to a
broker instead, in-memory to count what the request itself costs, and Redis with a real worker.
"""

import uuid

import pytest
from celery.signals import before_task_publish
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.tasks import notify
from rooms.models import Message
from tests.conftest import client_for
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from tests.live import celery_broker, redis_url_or_skip, start_celery_worker, wait_until

MENTIONED = 20


@pytest.fixture
def published():
    """The tasks sent to the broker during the test, as (task name, kwargs), in order."""
    sent = []

    def record(sender=None, body=None, **kwargs):
        sent.append((sender, body[1]))

    before_task_publish.connect(record, weak=False, dispatch_uid="tests.fanout.published")
    yield sent
    before_task_publish.disconnect(dispatch_uid="tests.fanout.published")


@pytest.fixture
def queued_in_memory():
    """Tasks go to an in-memory broker nobody consumes: the request's own cost, nothing run for it."""
    with celery_broker("memory://", f"cn-test-fanout-{uuid.uuid4().hex[:8]}"):
        yield


def room_with_readers(count: int):
    author = UserFactory(handle="fanauthor")
    room = RoomFactory(creator=author)
    readers = [UserFactory(handle=f"fanreader{i}") for i in range(count)]
    return room, author, readers


def post_message(client, room, content: str, django_capture_on_commit_callbacks) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/rooms/{room.pk}/messages/", {"content": content})
    assert response.status_code == 201, response.content
    return len(queries.captured_queries), response.json()


@pytest.mark.django_db
def test_mentions_cost_the_request_the_same_for_one_or_twenty(
    queued_in_memory, published, django_capture_on_commit_callbacks
):
    room, author, readers = room_with_readers(MENTIONED)
    client = client_for(author)
    post_message(client, room, "warm up", django_capture_on_commit_callbacks)  # first-message badges, streak
    published.clear()

    one, _ = post_message(client, room, "hi @fanreader0", django_capture_on_commit_callbacks)
    everyone = " ".join(f"@{reader.handle}" for reader in readers)
    twenty, body = post_message(client, room, f"hi {everyone}", django_capture_on_commit_callbacks)

    assert twenty == one, f"a message mentioning {MENTIONED} cost {twenty} queries, one mentioning 1 cost {one}"
    assert not Notification.objects.exists()  # nothing inserted by the request
    notifies = [kwargs for name, kwargs in published if name == "notifications.tasks.notify"]
    assert [len(kwargs["recipient_ids"]) for kwargs in notifies] == [1, MENTIONED]
    assert notifies[1]["recipient_ids"] == [reader.pk for reader in readers]
    assert {name for name, _ in published} == {"notifications.tasks.notify", "gamification.tasks.badges_award"}

    # The task, run here as a worker would: one INSERT for all twenty, then a push each.
    with CaptureQueriesContext(connection) as queries:
        assert notify.apply(kwargs=notifies[1]).get() == MENTIONED
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "notifications_')]
    assert len(inserts) == 1
    assert Notification.objects.filter(verb="mention", target_id=body["id"]).count() == MENTIONED


@pytest.mark.e2e
@pytest.mark.timeout(300)  # a worker process starting on a loaded 2-core machine
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_notifies_the_mentioned_and_runs_the_badge_rules(tmp_path):
    url = redis_url_or_skip()
    queue = f"cn-test-fanout-{uuid.uuid4().hex[:8]}"
    room, author, readers = room_with_readers(3)
    MembershipFactory(room=room, user=readers[0])
    with celery_broker(url, queue), start_celery_worker(tmp_path, broker=url, queue=queue) as worker:
        response = client_for(author).post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "@fanreader0 @fanreader2"})
        assert response.status_code == 201, response.content
        assert not Notification.objects.exists()  # the request enqueued, the worker inserts

        def done() -> bool:
            log = worker.log_path.read_text(errors="replace")
            badges_ran = "gamification.tasks.badges_award[" in log and log.count("succeeded in") >= 2
            return badges_ran and Notification.objects.filter(verb="mention").count() == 2

        wait_until(done, timeout=120, proc=worker, log_path=worker.log_path)
    mentioned = Notification.objects.filter(verb="mention").values_list("recipient_id", flat=True)
    assert sorted(mentioned) == sorted([readers[0].pk, readers[2].pk])
    assert Message.objects.filter(room=room).count() == 1
    assert "notifications.tasks.notify" in worker.log_path.read_text(errors="replace")
