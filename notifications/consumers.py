"""`/ws/notifications/?token=`: a user's notifications and unread count, pushed as they happen, and
`conversation.message` frames for new messages in conversations the user has no socket open on.

Frames and close codes: docs/websockets.md.
"""

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from rest_framework.exceptions import ParseError

from api.parsers import loads_json
from codenest.realtime import user_group
from codenest.sockets import CLOSE_UNAUTHENTICATED, unauthenticated_reason
from notifications import selectors

MAX_FRAME_CHARS = 1_000  # this socket only takes pings


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    group_name: str | None = None

    async def connect(self):
        # Accept first: a close before accept loses its code.
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=unauthenticated_reason(self.scope))
            return
        # Join before counting, so nothing created in between is missed.
        self.group_name = user_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self._send_unread_count(await self._unread_count())

    async def disconnect(self, code):
        if self.group_name:
            await self.channel_layer.group_discard(self.group_name, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
            return
        await self.send_json({"type": "error", "code": "invalid", "detail": "This socket only accepts ping."})

    @classmethod
    async def decode_json(cls, text_data):
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            return None
        try:
            return loads_json(text_data)  # malformed or too deeply nested → an `error` frame
        except ParseError:
            return None

    async def dispatch(self, message):
        # The user group is shared with other apps' consumers: ignore events meant for them.
        if message["type"].startswith("websocket.") or hasattr(self, get_handler_name(message)):
            await super().dispatch(message)

    async def notification_created(self, event):
        await self.send_json({"type": "notification", "notification": event["notification"]})
        await self._send_unread_count(event["unread_count"])

    async def conversation_message(self, event):
        """A message in one of my conversations that I do not have open (sent by rooms.services)."""
        frame = {"type": "conversation.message", "conversation": event["conversation"], "message": event["message"]}
        await self.send_json(frame)

    async def notification_unread_count(self, event):
        await self._send_unread_count(event["count"])

    # Events without a room reach their creator and voters here (events.services picks the audience).
    async def event_updated(self, event):
        mine = event.get("my_votes", {}).get(str(self.scope["user"].pk), {})
        await self.send_json({"type": "event.updated", "event": {**event["event"], "my_votes": mine}})

    async def event_deleted(self, event):
        await self.send_json({"type": "event.deleted", "id": event["id"]})

    async def _send_unread_count(self, count: int):
        await self.send_json({"type": "unread_count", "count": count})

    @database_sync_to_async
    def _unread_count(self) -> int:
        return selectors.unread_count(user_id=self.scope["user"].pk)
