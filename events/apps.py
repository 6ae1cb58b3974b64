from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from events import receivers  # noqa: F401  connects the handlers of other apps' signals
