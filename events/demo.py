"""Demo event for `manage.py seed_demo` (idempotent): a meetup poll in the demo Python room."""

from datetime import timedelta

from django.utils import timezone

from events.models import Event
from events.services import event_create, vote_set
from rooms.models import Room

DEMO_TITLE = "Python meetup: async deep dive"


def seed(*, users: dict, stdout) -> None:
    room = Room.objects.filter(name="Python", creator=users["alice"]).first()
    if room is None or Event.objects.filter(title=DEMO_TITLE, room=room).exists():
        return
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    next_week = (timezone.now() + timedelta(days=7)).replace(hour=18, minute=0, second=0, microsecond=0)
    event = event_create(
        creator=alice,
        title=DEMO_TITLE,
        room=room,
        description="An evening of asyncio, trio and structured concurrency. Pick the evenings that suit you.",
        location="Online (link in the room)",
        duration_minutes=90,
        slot_times=[next_week + timedelta(days=offset) for offset in range(3)],
    )
    first, second, third = event.slots.order_by("starts_at")
    ballots = [(alice, ("yes", "yes", "maybe")), (bob, ("yes", "maybe", None)), (carol, (None, "yes", "yes"))]
    for user, answers in ballots:
        for slot, answer in zip((first, second, third), answers, strict=True):
            if answer:
                vote_set(event=event, user=user, slot_id=slot.pk, answer=answer)
    stdout.write(f"  events: “{DEMO_TITLE}” in the Python room with 3 slots and votes")
