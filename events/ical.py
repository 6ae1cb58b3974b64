"""The locked slot of an event as an iCalendar file (RFC 5545), built by the `icalendar` library."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from events.models import Event

PRODID = "-//CodeNest//Events//EN"


def event_url(event: Event) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/events/{event.pk}"


def event_uid(event: Event) -> str:
    """Stable per event, so calendar apps update the entry rather than add a second one."""
    return f"event-{event.pk}@{urlsplit(settings.SITE_URL).hostname or 'codenest'}"


def event_ical(event: Event) -> bytes:
    """The VCALENDAR of a locked event: UID, DTSTAMP, DTSTART/DTEND in UTC, SUMMARY, DESCRIPTION, URL."""
    slot = event.locked_slot
    starts_at = slot.starts_at.astimezone(UTC)  # type: ignore[union-attr]  # only locked events are exported: they have a slot
    entry = CalendarEvent()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", datetime.now(UTC))
    entry.add("dtstart", starts_at)
    entry.add("dtend", starts_at + timedelta(minutes=event.duration_minutes))
    entry.add("summary", event.title)
    entry.add("description", event.description)
    entry.add("url", event_url(event))
    if event.location:
        entry.add("location", event.location)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical()
