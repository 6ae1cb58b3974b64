import itertools
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.dispatch import Signal
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory

pytest_plugins = ["tests.room_cast"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and presence live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _verify_query_shapes(settings):
    """Every list read through listing.shapes is also compiled from its real values and compared with
    the cached template: a shape key that misses a branch of the SQL fails the test that takes it."""
    settings.QUERY_SHAPES_VERIFY = True


def access_token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def auth_client(user):
    return client_for(user)


@pytest.fixture
def make_client(db):
    """make_client(user) → an APIClient that sends that user's access token."""
    return client_for


# --- what leaves after commit ----------------------------------------------------------------


@pytest.fixture
def captured_events(monkeypatch):
    """Real-time events sent after commit, as (group, event) in order (the channel layer still gets them)."""
    from codenest import realtime

    events = []
    original = realtime.send_event

    def record(group, event):
        events.append((group, event))
        return original(group, event)

    monkeypatch.setattr(realtime, "send_event", record)
    return events


@dataclass
class AfterCommit:
    """What an `after_commit(...)` block sent once its transaction committed."""

    signals: list[tuple[Signal, dict]] = field(default_factory=list)  # (signal, kwargs), in order
    events: list[tuple[str, dict]] = field(default_factory=list)  # (group, event), in order

    def of(self, signal: Signal) -> list[dict]:
        """The kwargs of each sending of `signal`."""
        return [kwargs for sent, kwargs in self.signals if sent is signal]


_receiver_ids = itertools.count()


@contextmanager
def _recording(signals, sent: AfterCommit):
    uid = f"tests.recording.{next(_receiver_ids)}"

    def receiver(signal, sender, **kwargs):
        sent.signals.append((signal, kwargs))

    for signal in signals:
        signal.connect(receiver, weak=False, dispatch_uid=uid)
    try:
        yield sent
    finally:
        for signal in signals:
            signal.disconnect(dispatch_uid=uid)


@pytest.fixture
def recording_signals():
    """`sent = recording_signals(signal, ...)` records those signals for the rest of the test
    (sent.signals, sent.of(signal)); the receivers are disconnected when the test ends."""
    with ExitStack() as stack:
        yield lambda *signals: stack.enter_context(_recording(signals, AfterCommit()))


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks, captured_events):
    """`with after_commit(signal, ..., expected=N) as sent:` records the given domain signals and the
    real-time events while the block runs, then runs what the block deferred to after commit.

    `expected` (and `expected_events`) assert how many were sent; the receivers are disconnected when
    the block ends, whatever happens, so no test leaves a listener behind for the next one.
    """

    @contextmanager
    def capture(*signals: Signal, expected: int | None = None, expected_events: int | None = None):
        already = len(captured_events)
        with _recording(signals, AfterCommit()) as sent:
            try:
                with django_capture_on_commit_callbacks(execute=True):
                    yield sent
            finally:
                sent.events.extend(captured_events[already:])
        if expected is not None:
            assert len(sent.signals) == expected, f"expected {expected} signals, sent {sent.signals}"
        if expected_events is not None:
            assert len(sent.events) == expected_events, f"expected {expected_events} events, sent {sent.events}"

    return capture
