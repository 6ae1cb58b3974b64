import pytest
from asgiref.sync import sync_to_async
from django.db import connections


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services defer to after commit (domain signals, pushes) inside a test transaction.

    `with on_commit(): client.post(...)` — callbacks registered by callbacks run too.
    """

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
async def close_db_connections_after():
    """Async tests reach the database from asgiref's sync thread; close its connection afterwards so
    PostgreSQL can drop the test database (CONN_MAX_AGE would otherwise keep it open)."""
    yield
    await sync_to_async(connections.close_all)()
