import pytest


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run what services defer to after commit (domain signals, and so the receivers) in a test transaction.

    `with on_commit(): client.post(...)`; callbacks registered by callbacks (a badge award's signal) run too.
    """

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def awarded_signals():
    """Every badge_awarded signal sent during the test, as (user_id, code) pairs."""
    from gamification.signals import badge_awarded

    sent = []

    def listen(sender, user, badge, user_badge, **kwargs):
        assert user_badge.user_id == user.pk and user_badge.badge_id == badge.pk
        sent.append((user.pk, badge.code))

    badge_awarded.connect(listen, dispatch_uid="tests.gamification.awarded_signals")
    yield sent
    badge_awarded.disconnect(dispatch_uid="tests.gamification.awarded_signals")
