from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"

    def ready(self):
        from rooms.selectors import uploads_readable_through_rooms
        from uploads.access import register_usage

        register_usage(uploads_readable_through_rooms)

        from rooms import commands  # noqa: F401  registers rooms' own slash commands
