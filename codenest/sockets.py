"""What every WebSocket shares: close codes with their reason texts, and the answer to unknown paths.

docs/websockets.md documents the codes for clients. Each close carries a short reason (RFC 6455 allows
123 bytes) so a client, or a developer watching the browser's network tab, sees why at once.
"""

from collections.abc import Callable, Hashable
from typing import Any

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer, AsyncWebsocketConsumer

from codenest.fanout import hub_for

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

MAX_REASON_BYTES = 123
# Where send_shared keeps an event's encoded frames (the hub hands the same dict to each local socket).
SHARED_FRAMES_KEY = "__encoded_frames__"


def close_reason(text: str) -> str:
    """`text` cut to what fits in a close frame (whole UTF-8 characters only)."""
    return text.encode()[:MAX_REASON_BYTES].decode(errors="ignore")


def unauthenticated_reason(scope) -> str:
    """Why the JWT middleware let no user in (missing, invalid or expired token)."""
    return close_reason(f"Authentication failed: {scope.get('auth_error') or 'missing token'}.")


class UnknownSocketConsumer(AsyncWebsocketConsumer):
    """The last route: an unknown path (/ws/nope/, /ws/rooms/abc/) closes with 4404, not an HTTP 500."""

    async def connect(self):
        # Accept first: a close before accept loses its code (the client sees only an HTTP 403).
        await self.accept()
        path = "/" + self.scope["path"].lstrip("/")
        await self.close(code=CLOSE_NOT_FOUND, reason=close_reason(f"No socket at {path}"))


class FanOutJsonWebsocketConsumer(AsyncJsonWebsocketConsumer):
    """A JSON socket that gets its group's events (room.message, ...) through the process's GroupHub.

    The socket joins one group with `join_fanout` (instead of `group_add`): the process reads the
    group once from the channel layer and calls each local socket's handler (codenest.fanout).
    Events that arrive before `go_live` are held, so none reaches the client before what connect()
    sends first (history, presence) and none is lost in between. Handlers that send the same frame
    to every socket use `send_shared`, which encodes it once per event and process.

    Channels' dispatch runs `aclose_old_connections` before every handler: a trip to the one
    thread-sensitive database thread, for every event and every socket, one after the other, so a
    message to a room of 1,000 sockets queued 1,000 trips behind each other (bench/chat_fanout.py).
    Here only the socket's own events (websocket.connect / receive / disconnect) make that trip; a
    subclass's group-event handlers must not touch the database except through
    `database_sync_to_async`, which closes stale connections itself, before and after each call.
    """

    fanout_group: str | None = None
    _held: list[dict] | None = None  # events that came before go_live()

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # A socket cancelled before its disconnect() ran (a server timing it out, a crash) leaves
            # too: the process must not go on reading a group that no socket of it is in.
            self.leave_fanout()

    async def join_fanout(self, group: str) -> None:
        self._held = []
        self.fanout_group = group
        await hub_for(self.channel_layer).join(group, self)

    async def go_live(self) -> None:
        """Handle the events held since join_fanout, in order, then each as it comes."""
        while self._held:
            await self.dispatch(self._held.pop(0))
        self._held = None  # no await since the list was found empty: nothing can slip in between

    def leave_fanout(self) -> None:
        group, self.fanout_group = self.fanout_group, None
        if group is not None:
            hub_for(self.channel_layer).leave(group, self)

    async def deliver(self, event: dict[str, Any]) -> None:
        """Called by the hub for each event of my group."""
        if self.fanout_group is None:
            return  # left already; the hub's copy of the member list was taken before
        if self._held is not None:
            self._held.append(event)
            return
        await self.dispatch(event)

    async def send_shared(self, event: dict[str, Any], variant: Hashable, frame: Callable[[], dict]) -> None:
        """Send `frame()`, encoded once per event and `variant` for all the process's sockets.

        `variant` names what makes my frame differ from others' (None when it is everyone's): the
        sockets with the same variant send the same text.
        """
        encoded = event.setdefault(SHARED_FRAMES_KEY, {})
        text = encoded.get(variant)
        if text is None:
            text = encoded[variant] = await self.encode_json(frame())
        await self.send(text_data=text)

    async def dispatch(self, message):
        if message["type"].startswith("websocket."):
            return await super().dispatch(message)
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


def forward_close_reasons_in_daphne() -> None:
    """Make daphne send the `reason` of a websocket.close message (ASGI spec) in the close frame.

    daphne 4.2.3 passes only the code to autobahn (django/daphne#374, open), so the reason that
    Channels' close(code=..., reason=...) sets would be dropped; autobahn's sendClose takes both.
    Harmless when daphne learns to do this itself: the wrapper only handles a close with a reason.
    """
    try:
        from daphne.ws_protocol import WebSocketProtocol
    except ImportError:  # another ASGI server (uvicorn forwards reasons already)
        return
    original = WebSocketProtocol.handle_reply
    if getattr(original, "forwards_close_reason", False):
        return

    def handle_reply(self, message):
        if message.get("type") == "websocket.close" and message.get("reason") and self.state != self.STATE_CONNECTING:
            self.sendClose(code=message.get("code") or 1000, reason=close_reason(message["reason"]))
            return
        original(self, message)

    handle_reply.forwards_close_reason = True  # type: ignore[attr-defined]  # a marker attribute on the function
    WebSocketProtocol.handle_reply = handle_reply
