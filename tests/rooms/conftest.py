import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def captured_events(monkeypatch):
    """Real-time events sent after commit, recorded in order (the channel layer still gets them)."""
    from codenest import realtime

    events = []
    original = realtime.send_event

    def record(group, event):
        events.append((group, event))
        original(group, event)

    monkeypatch.setattr(realtime, "send_event", record)
    return events


@pytest.fixture
def count_queries():
    def run(func):
        with CaptureQueriesContext(connection) as ctx:
            result = func()
        return len(ctx.captured_queries), result

    return run
