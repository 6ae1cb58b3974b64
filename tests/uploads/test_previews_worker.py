"""A real `celery worker` fetches a message's link previews: REST post → Redis broker → worker →
local page server → LinkPreview + message.updated on the Redis channel layer."""

import asyncio
import os
import queue
import subprocess
import sys
import threading

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer

from codenest.realtime import room_group
from rooms.models import Message
from tests.conftest import client_for
from tests.factories import RoomFactory
from tests.live import BASE_DIR, redis_url_or_skip, server_env, stop
from tests.projects.test_celery_worker import drop_broker_connections, wait_until
from tests.uploads.pages import ARTICLE, PageServer
from uploads.models import LinkPreview

# This app's own Redis database, so no other helper's worker takes our tasks (and we not theirs).
UPLOADS_REDIS_DB = 5


def uploads_redis_url() -> str:
    url = redis_url_or_skip()
    return url if os.environ.get("REDIS_URL") else f"{url.rsplit('/', 1)[0]}/{UPLOADS_REDIS_DB}"


class GroupListener:
    """A client of one group on the Redis pub/sub channel layer, listening in a thread of its own
    while open (a context manager): pub/sub keeps nothing for whoever is not subscribed when an event goes out."""

    def __init__(self, *, hosts: list[str], prefix: str, group: str):
        self.layer = RedisPubSubChannelLayer(hosts=hosts, prefix=prefix)
        self.group = group
        self.events: queue.Queue = queue.Queue()
        self.subscribed = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _listen(self) -> None:
        channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, channel)
        self.subscribed.set()
        while True:
            self.events.put(await self.layer.receive(channel))

    def __enter__(self) -> "GroupListener":
        self.thread.start()
        self.task = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        assert self.subscribed.wait(30), "the listener did not subscribe"
        return self

    def __exit__(self, *exc_info) -> None:
        self.task.cancel()
        asyncio.run_coroutine_threadsafe(self.layer.flush(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def receive(self, timeout: float = 30) -> dict:
        return self.events.get(timeout=timeout)


@pytest.fixture
def broker():
    from codenest import celery_app

    url = uploads_redis_url()
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, url
    drop_broker_connections()
    celery_app.control.purge()
    yield url
    conf.task_always_eager, conf.broker_url = saved
    drop_broker_connections()


@pytest.mark.e2e
@pytest.mark.timeout(300)  # a worker process starting on a loaded 2-core machine
@pytest.mark.django_db(transaction=True)
def test_worker_fetches_previews_and_rebroadcasts(broker, tmp_path, settings):
    prefix = f"uploads-test-{os.getpid()}"
    room = RoomFactory(name="Links", slug="links")
    with GroupListener(hosts=[broker], prefix=prefix, group=room_group(room.pk)) as listener:
        log_path = tmp_path / "celery-worker.log"
        with PageServer() as pages:
            article = pages.route("/article", "text/html", ARTICLE)
            env = server_env(
                REDIS_URL=broker,
                CELERY_BROKER_URL=broker,
                CELERY_TASK_ALWAYS_EAGER="0",
                CHANNEL_LAYER_PREFIX=prefix,
                CODENEST_TEST_PREVIEW_NETWORKS="127.0.0.1/32",
            )
            command = [sys.executable, "-m", "celery", "-A", "codenest", "worker", "--pool=solo", "--loglevel=info"]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", "celery"]
            with open(log_path, "wb") as log:
                worker = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                response = client_for(room.creator).post(
                    f"/api/v1/rooms/{room.pk}/messages/", {"content": f"new release: {article}"}, format="json"
                )
                assert response.status_code == 201 and response.json()["previews"] == []
                message = Message.objects.get(pk=response.json()["id"])
                wait_until(lambda: message.previews.exists(), timeout=240, proc=worker, log_path=log_path)
            finally:
                stop(worker)
        preview = LinkPreview.objects.get(url=article)
        assert preview.ok and preview.title == "Django 5.2 released"
        assert pages.hits == ["/article"]
        event = listener.receive()
        while event["type"] != "room.message_updated":  # the in-process post's own broadcast may come first
            event = listener.receive()
    assert event["message"]["id"] == message.pk
    assert event["message"]["previews"][0]["title"] == "Django 5.2 released"
