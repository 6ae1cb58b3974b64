from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        # commands: rooms may not import events, so events adds its /event command to rooms' registry;
        # receivers: connects the handlers of other apps' signals.
        from events import commands, receivers  # noqa: F401
