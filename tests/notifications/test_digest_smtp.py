"""Digests through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd)."""

import asyncio
import email
import os
import signal
import threading
import time
from datetime import UTC, datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection

from notifications.models import DigestLog
from notifications.services import digests_send
from notifications.tasks import send_digests
from tests.factories import NotificationFactory, NotificationPreferenceFactory, UserFactory
from tests.live import free_port

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


class RecordingHandler:
    """Keeps every accepted message; can hold DATA until released and refuse chosen recipients once."""

    def __init__(self):
        self.messages: list[email.message.Message] = []
        self.envelopes = []
        self.refuse_once: set[str] = set()
        self.data_started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_once:
            self.refuse_once.discard(address)
            return "450 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_started.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield handler
    handler.release.set()
    controller.stop()


def subscriber_with_news(period="daily"):
    user = UserFactory()
    NotificationPreferenceFactory(user=user, email_digest=period)
    NotificationFactory(recipient=user, message=f"news for {user.handle}", created_at=NOW)
    return user


@pytest.mark.django_db
def test_digest_arrives_as_text_and_html(smtp):
    user = subscriber_with_news()
    assert digests_send(period="daily", now=NOW)["sent"] == 1
    [message] = smtp.messages
    assert smtp.envelopes[0].rcpt_tos == [user.email]
    assert message["To"] == user.email
    assert message["Subject"] == "Your daily CodeNest digest: 1 unread notification"
    assert message["List-Unsubscribe"].strip().startswith("<http")  # long headers are folded
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert set(parts) == {"text/plain", "text/html"}
    assert f"news for {user.handle}" in parts["text/plain"]
    assert f"news for {user.handle}" in parts["text/html"]


@pytest.mark.django_db
def test_a_retried_task_sends_each_digest_once(smtp):
    refused, other = subscriber_with_news(), subscriber_with_news()
    smtp.refuse_once.add(refused.email)
    with time_machine.travel(NOW, tick=False):
        # The first attempt delivers `other`, fails for `refused` and retries: Celery's eager apply()
        # runs the retry at once (throw=False: retries are raised, not run, when eager errors propagate).
        result = send_digests.apply(args=("daily",), throw=False)
    outcome = result.get()
    assert outcome == {"sent": 1, "empty": 0, "already_sent": 1, "failed": 0}
    assert sorted(env.rcpt_tos[0] for env in smtp.envelopes) == sorted([refused.email, other.email])
    assert DigestLog.objects.filter(period="daily").count() == 2


@pytest.mark.django_db
@pytest.mark.timeout(60)
def test_the_soft_time_limit_stops_the_run_and_the_retry_sends_every_digest(smtp):
    """At the task's soft limit Celery raises SoftTimeLimitExceeded wherever the task is (here mid-SMTP).
    The run stops there, instead of counting that subscriber as failed and going on until the hard
    limit kills it unretried; the retry sends every digest, each recorded once."""
    users = [subscriber_with_news() for _ in range(2)]

    def soft_time_limit(signum, frame):  # what the worker's pool process does at the soft limit
        raise SoftTimeLimitExceeded()

    def reach_the_limit_while_sending():
        if smtp.data_started.wait(10):
            os.kill(os.getpid(), signal.SIGUSR1)
        smtp.release.set()

    previous = signal.signal(signal.SIGUSR1, soft_time_limit)
    smtp.release.clear()
    limit = threading.Thread(target=reach_the_limit_while_sending)
    limit.start()
    try:
        with time_machine.travel(NOW, tick=False):
            result = send_digests.apply(args=("daily",), throw=False)  # eager: the retry runs at once
    finally:
        limit.join(15)
        signal.signal(signal.SIGUSR1, previous)

    assert result.get() == {"sent": 2, "empty": 0, "already_sent": 0, "failed": 0}
    assert sorted(DigestLog.objects.values_list("user_id", flat=True)) == sorted(u.pk for u in users)


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_two_concurrent_runs_send_once(smtp):
    users = [subscriber_with_news() for _ in range(2)]
    outcomes = []

    def run():
        try:
            outcomes.append(digests_send(period="daily", now=NOW))
        finally:
            connection.close()

    # Hold the first run inside its transaction (mid-SMTP) while the second run starts, so the second
    # passes the "already sent?" read and has to lose on the unique key.
    smtp.release.clear()
    first = threading.Thread(target=run)
    first.start()
    assert smtp.data_started.wait(10)
    second = threading.Thread(target=run)
    second.start()
    time.sleep(1.0)
    smtp.release.set()
    first.join(30)
    second.join(30)

    assert len(outcomes) == 2
    assert sum(o["sent"] for o in outcomes) == len(users)
    assert sum(o["already_sent"] for o in outcomes) == len(users)
    assert sum(o["failed"] for o in outcomes) == 0
    assert sorted(env.rcpt_tos[0] for env in smtp.envelopes) == sorted(u.email for u in users)
    assert DigestLog.objects.count() == len(users)
