"""The reminder beat task: yes-voters of a locked slot hear of it once, about an hour before."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings

from events import services
from events.models import Event
from events.tasks import send_event_reminders
from notifications.models import Notification
from tests.events.conftest import make_event, slot_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def reminders():
    return Notification.objects.filter(verb="event_reminder")


@pytest.fixture
def locked_event(creator):
    """Locked on a slot three hours from now: two yes-voters, one maybe-voter, one yes on another slot."""
    event = make_event(creator=creator, slots=(3, 5))
    chosen, other = slot_ids(event)
    yes_a, yes_b, maybe, elsewhere = UserFactory.create_batch(4)
    for user, slot, answer in ((yes_a, chosen, "yes"), (yes_b, chosen, "yes"), (maybe, chosen, "maybe"),
                               (elsewhere, other, "yes")):  # fmt: skip
        services.vote_set(event=event, user=user, slot_id=slot, answer=answer)
    services.event_lock(event=event, actor=creator, slot_id=chosen)
    event.refresh_from_db()
    return event, {yes_a.pk, yes_b.pk}


def test_reminder_goes_to_yes_voters_once_an_hour_before(locked_event, on_commit):
    event, yes_voters = locked_event
    starts_at = event.locked_slot.starts_at
    with time_machine.travel(starts_at - timedelta(minutes=61), tick=False), on_commit():
        assert send_event_reminders.delay().get() == 0
    assert not reminders().exists()

    with time_machine.travel(starts_at - timedelta(minutes=59), tick=False):
        with on_commit():
            assert send_event_reminders.delay().get() == 1
        with on_commit():
            assert send_event_reminders.delay().get() == 0  # run twice: nothing more
    assert {n.recipient_id for n in reminders()} == yes_voters
    assert reminders().count() == 2
    note = reminders().first()
    assert (note.target_type, note.target_id, note.data["slot"]) == ("event", event.pk, event.locked_slot_id)
    assert note.message.startswith("Reminder: “Meetup” starts at")

    with time_machine.travel(starts_at - timedelta(minutes=5), tick=False), on_commit():
        assert send_event_reminders.delay().get() == 0
    assert reminders().count() == 2
    event.refresh_from_db()
    assert event.reminder_sent_at == starts_at - timedelta(minutes=59)


def test_no_reminder_for_drafts_cancelled_or_started_events(creator, locked_event, on_commit):
    event, _ = locked_event
    draft = make_event(creator=creator, slots=(3,))
    services.vote_set(event=draft, user=UserFactory(), slot_id=slot_ids(draft)[0], answer="yes")
    services.event_cancel(event=event, actor=creator)
    with time_machine.travel(event.locked_slot.starts_at - timedelta(minutes=30), tick=False), on_commit():
        assert send_event_reminders.delay().get() == 0
    assert not reminders().exists()


def test_a_slot_locked_late_is_reminded_at_the_next_run(creator, on_commit):
    event = make_event(creator=creator, slots=(3,))
    slot_id = slot_ids(event)[0]
    voter = UserFactory()
    services.vote_set(event=event, user=voter, slot_id=slot_id, answer="yes")
    starts_at = Event.objects.get(pk=event.pk).slots.get().starts_at
    with time_machine.travel(starts_at - timedelta(minutes=20), tick=False), on_commit():
        services.event_lock(event=event, actor=creator, slot_id=slot_id)
        assert services.event_reminders_send() == 1
    assert list(reminders().values_list("recipient_id", flat=True)) == [voter.pk]


def test_beat_schedule_runs_the_task():
    entry = settings.CELERY_BEAT_SCHEDULE["event-reminders"]
    assert entry["task"] == send_event_reminders.name
    assert entry["schedule"] <= 600  # often enough to remind 50-60 minutes ahead
