"""A real `celery worker` fetches a message's link previews: REST post → Redis broker → worker →
local page server → LinkPreview + message.updated on the Redis channel layer."""

import asyncio
import os
import subprocess
import sys

import pytest
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer

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


def receive(layer, channel, timeout: float = 30) -> dict:
    async def within():
        return await asyncio.wait_for(layer.receive(channel), timeout)

    return async_to_sync(within)()


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
    layer = RedisChannelLayer(hosts=[broker], prefix=prefix)
    channel = async_to_sync(layer.new_channel)()
    room = RoomFactory(name="Links", slug="links")
    async_to_sync(layer.group_add)(room_group(room.pk), channel)
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
    event = receive(layer, channel)
    while event["type"] != "room.message_updated":  # the in-process post's own broadcast may come first
        event = receive(layer, channel)
    assert event["message"]["id"] == message.pk
    assert event["message"]["previews"][0]["title"] == "Django 5.2 released"
    async_to_sync(layer.flush)()
