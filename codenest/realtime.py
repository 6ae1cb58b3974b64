"""The one way real-time events leave the application.

Group names are built here, and events go out through the channel layer only after the current
transaction commits, so no client ever sees something that was rolled back. An event is a dict
with a namespaced "type" ("room.message" is handled by a consumer's `room_message`). Imports no app.
"""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def project_group(project_id: int) -> str:
    """Everyone watching a project's board: /ws/projects/{id}/."""
    return f"project.{project_id}"


def send_event(group: str, event: dict[str, Any]) -> None:
    """Send now (outside any transaction, e.g. presence or typing)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def send_event_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send once the surrounding transaction commits (at once when there is none)."""
    transaction.on_commit(lambda: send_event(group, event))
