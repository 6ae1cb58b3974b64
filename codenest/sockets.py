"""What every WebSocket shares: close codes with their reason texts, and the answer to unknown paths.

docs/websockets.md documents the codes for clients. Each close carries a short reason (RFC 6455 allows
123 bytes) so a client, or a developer watching the browser's network tab, sees why at once.
"""

from channels.generic.websocket import AsyncWebsocketConsumer

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404

MAX_REASON_BYTES = 123


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
