"""The project socket: /ws/projects/{id}/?token=<access JWT> (docs/websockets.md, "Project sockets").

Read-only for clients: it carries what projects.services emit after commit (see projects.live) to
everyone who may see the project, whoever made the change. Clients send only `ping`; anything else
gets an `error` frame and the socket stays open. Close codes as the room socket: 4401 missing or
invalid token, 4404 no such project or a private one the user is not a member of (also later, when
the user is removed from a private project, the project turns private, or it is deleted).
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404
from rest_framework.exceptions import ParseError

from api.parsers import loads_json
from codenest.realtime import project_group
from codenest.sockets import CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED, unauthenticated_reason
from projects import selectors

MAX_FRAME_CHARS = 4096


def _may_watch(project_id: int, user) -> bool:
    try:
        selectors.project_get_for_user(project_id=project_id, user=user)
    except Http404:  # codenest.errors.NotFound: absent, or private and not a member
        return False
    return True


class ProjectConsumer(AsyncJsonWebsocketConsumer):
    joined = False

    async def connect(self):
        # Accept first: a close before accept loses its code (the client sees only HTTP 403).
        await self.accept()
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=unauthenticated_reason(self.scope))
            return
        self.project_id = int(self.scope["url_route"]["kwargs"]["project_id"])
        if not await database_sync_to_async(_may_watch)(self.project_id, self.user):
            await self.close(code=CLOSE_NOT_FOUND, reason="No such project.")
            return
        self.group = project_group(self.project_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True

    async def disconnect(self, code):
        if self.joined:
            self.joined = False
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- client frames -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        frame, problem = self._parse(text_data)
        if problem is not None:
            await self._send_error("invalid", problem)
        elif frame["type"] == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self._send_error("invalid", f"Unknown frame type {frame['type']!r}: this socket only takes ping.")

    def _parse(self, text_data) -> tuple[dict | None, str | None]:
        if text_data is None:
            return None, "Frames are JSON text."
        if len(text_data) > MAX_FRAME_CHARS:
            return None, "Frame too large."
        try:
            frame = loads_json(text_data)  # too deep a nesting is malformed too (no RecursionError)
        except ParseError:
            return None, "Malformed JSON."
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            return None, 'A frame is a JSON object with a "type".'
        return frame, None

    async def _send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    # --- group events (projects.live) --------------------------------------------------------

    async def project_frame(self, event):
        await self.send_json(event["frame"])

    async def project_access_changed(self, event):
        if event["user_id"] not in (None, self.user.pk):
            return
        if not await database_sync_to_async(_may_watch)(self.project_id, self.user):
            await self.close(code=CLOSE_NOT_FOUND, reason="This project is no longer visible to you.")

    async def project_deleted(self, event):
        await self.close(code=CLOSE_NOT_FOUND, reason="This project was deleted.")
