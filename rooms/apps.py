from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"

    def ready(self):
        from rooms import commands  # noqa: F401  registers rooms' own slash commands
