"""The one way real-time events and domain signals leave the application after a write.

Group names are built here, and events go out through the channel layer only after the current
transaction commits, so no client ever sees something that was rolled back. An event is a dict
with a namespaced "type" ("room.message" is handled by a consumer's `room_message`). Imports no app.

After-commit work never breaks the request that committed: the data is already saved, so a channel
layer that is down (or a listener that fails) is logged, the request still answers its 2xx, and
every later on-commit callback still runs (the mention notification, the streak).
"""

import functools
import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def project_group(project_id: int) -> str:
    """Everyone watching a project's board: /ws/projects/{id}/."""
    return f"project.{project_id}"


def send_event(group: str, event: dict[str, Any]) -> bool:
    """Send now (outside any transaction, e.g. presence or typing); False (logged) when the layer fails."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:
        logger.exception("channel layer: sending %r to group %s failed", event.get("type"), group)
        return False
    return True


def send_event_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send once the surrounding transaction commits (at once when there is none)."""
    transaction.on_commit(partial(send_event, group, event), robust=True)


def send_signal_on_commit(signal: Signal, *, sender: Any, **kwargs: Any) -> None:
    """Announce a domain signal once the transaction commits, to every receiver even if one fails.

    `send_robust` calls each receiver whatever the others do and logs each failure (django.dispatch).
    """
    transaction.on_commit(partial(signal.send_robust, sender=sender, **kwargs), robust=True)


def never_breaks_the_action(handler: Callable[..., Any]) -> Callable[..., None]:
    """For receivers of domain signals (sent after commit): the action they react to already happened,
    so a handler that fails is logged (under the handler's own module) and the error goes no further."""

    @functools.wraps(handler)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            handler(*args, **kwargs)
        except Exception:
            logging.getLogger(handler.__module__).exception("signal handler %s failed", handler.__qualname__)

    return guarded
