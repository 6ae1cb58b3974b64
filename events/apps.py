from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # rooms may not import events: events adds its /event command to rooms' registry itself.
        from events import commands  # noqa: F401
