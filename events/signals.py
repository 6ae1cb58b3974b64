"""Domain signals of the events app, sent by events.services after commit.

Keyword arguments (sender is the Event class):
event_created(event, creator)
event_locked(event, slot, locked_by, voters)          voters: every user who voted on any slot
event_cancelled(event, cancelled_by, voters)
event_reminder_due(event, slot, recipients)          recipients: the yes-voters of the locked slot;
                                                     sent once per event, whatever runs the reminder task
"""

from django.dispatch import Signal

event_created = Signal()
event_locked = Signal()
event_cancelled = Signal()
event_reminder_due = Signal()
