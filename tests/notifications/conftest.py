import pytest


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services defer to after commit (domain signals, pushes) inside a test transaction.

    `with on_commit(): client.post(...)` — callbacks registered by callbacks run too.
    """

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
