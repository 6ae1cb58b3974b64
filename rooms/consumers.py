"""The room chat socket: /ws/rooms/{id}/?token=<access JWT>[&after=<message id>] (docs/websockets.md).

Thin: every write goes through rooms.services (which broadcasts after commit); this consumer only
translates frames to service calls and group events to frames. Only ephemeral state that is never
stored (typing, presence) is sent to the group from here.
"""

import asyncio
import logging
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework import serializers
from rest_framework.exceptions import ParseError

from api.params import MAX_ID, is_plain_integer
from api.parsers import loads_json
from api.ratelimit import check_rate_limit
from api.serializers import id_field
from codenest.errors import CodedPermissionDenied, NotFound
from codenest.realtime import room_group
from codenest.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_UNAUTHENTICATED,
    FanOutJsonWebsocketConsumer,
    unauthenticated_reason,
)
from rooms import commands, presence, selectors, services
from rooms.conversations.selectors import hidden_participant_ids
from rooms.models import Room
from rooms.permissions import CHAT_RATE_GROUP
from rooms.serializers import (
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageSerializer,
    ReactionSerializer,
    plain,
    user_summary,
)
from users.models import User

logger = logging.getLogger(__name__)

MAX_FRAME_CHARS = 20_000
HISTORY_LIMIT = 100


class FrameError(Exception):
    def __init__(self, code: str, detail):
        super().__init__(detail)
        self.code, self.detail = code, detail


class MessageRefSerializer(serializers.Serializer):
    id = id_field()


class MessageIdSerializer(serializers.Serializer):
    message_id = id_field()


class ReactionFrameSerializer(ReactionSerializer):
    message_id = id_field()


class TypingSerializer(serializers.Serializer):
    is_typing = serializers.BooleanField(default=True)


def _frame_data(serializer_class, frame: dict) -> dict:
    serializer = serializer_class(data=frame)
    if not serializer.is_valid():
        raise FrameError("invalid", serializer.errors)
    return serializer.validated_data


def _error_detail(exc) -> object:
    if isinstance(exc, ValidationError):
        return exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    return str(exc.detail) if hasattr(exc, "detail") else str(exc) or "forbidden"


# --- database work, run in the database thread ---------------------------------------------------


NO_SUCH_ROOM = (CLOSE_NOT_FOUND, "No such room.")


def _connection_verdict(room_id: int, user) -> tuple[int, str] | None:
    """None when the user may connect, else the close code and reason (hidden private rooms look absent)."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        return NO_SUCH_ROOM
    member = selectors.is_room_member(room_id=room_id, user=user)
    banned = selectors.is_banned(room_id=room_id, user=user)
    if member and not banned:
        return None
    if not (member or room.is_public):
        return NO_SUCH_ROOM
    return CLOSE_FORBIDDEN, "Banned from this room." if banned else "Not a member of this room: join it first."


def _history(room_id: int, after: int, viewer_id: int) -> list[dict]:
    messages = selectors.messages_after(room_id=room_id, after=after, limit=HISTORY_LIMIT)
    selectors.attach_reactions(messages, viewer_id=viewer_id)
    return plain(MessageSerializer(messages, many=True).data)


def _online_users(room_id: int, viewer_id: int) -> list[dict]:
    # A conversation's pending-request recipient is not shown to the others as online.
    hidden = hidden_participant_ids(room_id=room_id) - {viewer_id}
    users = selectors.users_online(presence.presence_online(room_id=room_id) - hidden)
    return [user_summary(user) for user in users]  # type: ignore[misc]  # online users exist


def _is_hidden(room_id: int, user_id: int) -> bool:
    return user_id in hidden_participant_ids(room_id=room_id)


def _user_summary_of(user_id: int) -> dict:
    user = User.objects.filter(pk=user_id).first()
    return user_summary(user) if user else {"id": user_id, "handle": "", "name": "", "avatar": ""}  # type: ignore[return-value]  # user is not None here


def _call_service(room_id: int, service, **kwargs):
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("This room no longer exists.")
    return service(room=room, **kwargs)


def _post_message(room_id: int, user, data: dict) -> tuple[dict | None, bool]:
    # A slash command runs instead of being posted (rooms.commands); it may post nothing.
    message, created = _call_service(room_id, commands.chat_send, author=user, **data)
    if message is None:
        return None, created
    selectors.attach_reactions([message], viewer_id=user.pk)
    return plain(MessageSerializer(message).data), created


def _with_me(message: dict, reactors: dict, user_id: int) -> dict:
    reactions = [{**r, "me": user_id in reactors.get(r["emoji"], ())} for r in message.get("reactions", [])]
    return {**message, "reactions": reactions}


def _my_emojis(reactors: dict, user_id: int) -> tuple[str, ...]:
    """What makes my copy of a message frame mine: the emojis I reacted with (`me` in _with_me)."""
    return tuple(emoji for emoji, user_ids in reactors.items() if user_id in user_ids)


class RoomChatConsumer(FanOutJsonWebsocketConsumer):
    room_id: int | None = None  # set by connect(), before any other handler runs (the type: ignores below)
    joined = False
    # True while I am a conversation's pending-request recipient: my typing, presence and reads stay
    # unseen by the others (the group events carry this flag; each consumer filters).
    hidden = False
    replayed_up_to = 0
    heartbeat: asyncio.Task | None = None

    # --- lifecycle ---------------------------------------------------------------------------

    async def connect(self):
        # Accept first: a close before accept loses its code (the client sees only HTTP 403).
        await self.accept()
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason=unauthenticated_reason(self.scope))
            return
        room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        verdict = (
            NO_SUCH_ROOM if room_id > MAX_ID else await database_sync_to_async(_connection_verdict)(room_id, self.user)
        )
        if verdict is not None:
            code, reason = verdict
            await self.close(code=code, reason=reason)
            return
        self.room_id, self.group = room_id, room_group(room_id)
        # Subscribe before reading history so nothing falls between the two; duplicates are skipped.
        # The room's events are held until go_live(), after the history and presence frames.
        await self.join_fanout(self.group)
        self.joined = True
        self.hidden = await database_sync_to_async(_is_hidden)(room_id, self.user.pk)
        await self._replay_history()
        await self._announce_arrival()
        self.heartbeat = asyncio.create_task(self._keep_presence())
        await self.go_live()

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        self.leave_fanout()
        went_offline = await sync_to_async(presence.presence_leave, thread_sensitive=False)(
            room_id=self.room_id, user_id=self.user.pk, connection=self.channel_name
        )
        if went_offline:
            await self._send_presence_event("room.presence_leave", self.user.pk)

    async def _replay_history(self) -> None:
        after = self._after_param()
        if after is None:
            return
        messages = await database_sync_to_async(_history)(self.room_id, after, self.user.pk)
        if messages:
            self.replayed_up_to = messages[-1]["id"]
        await self.send_json({"type": "history", "messages": messages})

    def _after_param(self) -> int | None:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        raw = (query.get("after") or [""])[0]
        return min(int(raw), MAX_ID) if is_plain_integer(raw) else None

    async def _announce_arrival(self) -> None:
        arrived = await sync_to_async(presence.presence_enter, thread_sensitive=False)(
            room_id=self.room_id,  # type: ignore[arg-type]
            user_id=self.user.pk,
            connection=self.channel_name,
        )
        online = await database_sync_to_async(_online_users)(self.room_id, self.user.pk)
        await self.send_json({"type": "presence", "online": online})
        if arrived:
            await self._send_presence_event("room.presence_join", self.user.pk, user=user_summary(self.user))

    async def _send_presence_event(self, event_type: str, user_id: int, user: dict | None = None) -> None:
        if user is None:
            user = await database_sync_to_async(_user_summary_of)(user_id)
        if user_id == self.user.pk:
            hidden = self.hidden
        else:
            hidden = await database_sync_to_async(_is_hidden)(self.room_id, user_id)
        event = {"type": event_type, "user": user, "user_id": user_id, "hidden": hidden}
        await self.channel_layer.group_send(self.group, event)

    async def _keep_presence(self) -> None:
        """Refresh my entry and sweep entries of crashed processes, announcing who went offline."""
        while True:
            await asyncio.sleep(presence.heartbeat_interval())
            try:
                await sync_to_async(presence.presence_refresh, thread_sensitive=False)(
                    room_id=self.room_id,  # type: ignore[arg-type]
                    user_id=self.user.pk,
                    connection=self.channel_name,
                )
                gone = await sync_to_async(presence.presence_sweep, thread_sensitive=False)(room_id=self.room_id)  # type: ignore[arg-type]
                for user_id in gone:
                    await self._send_presence_event("room.presence_leave", user_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # a Redis hiccup must not end the socket; the next beat retries
                logger.exception("presence heartbeat failed for room %s", self.room_id)

    # --- client frames -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            frame = self._parse(text_data)
            handler = self.frame_handlers.get(frame["type"])
            if handler is None:
                raise FrameError("invalid", f"Unknown frame type {frame['type']!r}.")
            await handler(self, frame)
        except FrameError as exc:
            await self._send_error(exc.code, exc.detail)
        except (ValidationError, serializers.ValidationError) as exc:
            await self._send_error("invalid", _error_detail(exc))
        except CodedPermissionDenied as exc:  # its code (request_pending, email_unverified) goes along
            frame = {"type": "error", "code": "forbidden", "detail": exc.message, "reason": exc.code}
            await self.send_json(frame)
        except PermissionDenied as exc:
            await self._send_error("forbidden", _error_detail(exc))
        except NotFound as exc:
            await self._send_error("not_found", exc.message)

    def _parse(self, text_data) -> dict:
        if text_data is None:
            raise FrameError("invalid", "Frames are JSON text.")
        if len(text_data) > MAX_FRAME_CHARS:
            raise FrameError("invalid", "Frame too large.")
        try:
            frame = loads_json(text_data)  # too deep a nesting is malformed too (no RecursionError)
        except ParseError as exc:
            raise FrameError("invalid", f"Malformed JSON: {exc.detail}") from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise FrameError("invalid", 'A frame is a JSON object with a "type".')
        return frame

    async def _send_error(self, code: str, detail) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    async def _check_rate(self) -> None:
        wait = await sync_to_async(check_rate_limit, thread_sensitive=False)(
            group=CHAT_RATE_GROUP, ident=f"user:{self.user.pk}", rate=settings.RATELIMIT_CHAT
        )
        if wait is not None:
            raise FrameError("rate_limited", f"Too many messages. Try again in {wait} seconds.")

    async def on_message_send(self, frame: dict) -> None:
        await self._check_rate()
        data = _frame_data(MessageCreateSerializer, frame)
        message, created = await database_sync_to_async(_post_message)(self.room_id, self.user, data)
        if message is not None and not created:  # a retry: the sender gets its message back, nobody else
            await self.send_json({"type": "message.new", "message": message})

    async def on_message_edit(self, frame: dict) -> None:
        ref = _frame_data(MessageRefSerializer, frame)
        content = _frame_data(MessageEditSerializer, frame)["content"]
        await database_sync_to_async(_call_service)(
            self.room_id, services.message_edit, editor=self.user, message_id=ref["id"], content=content
        )

    async def on_message_delete(self, frame: dict) -> None:
        ref = _frame_data(MessageRefSerializer, frame)
        await database_sync_to_async(_call_service)(
            self.room_id, services.message_delete, actor=self.user, message_id=ref["id"]
        )

    async def on_typing(self, frame: dict) -> None:
        is_typing = _frame_data(TypingSerializer, frame)["is_typing"]
        event = {"type": "room.typing", "user": user_summary(self.user), "is_typing": is_typing, "hidden": self.hidden}
        await self.channel_layer.group_send(self.group, event)

    async def on_read(self, frame: dict) -> None:
        message_id = _frame_data(MessageIdSerializer, frame)["message_id"]
        await database_sync_to_async(_call_service)(
            self.room_id, services.read_marker_set, user=self.user, message_id=message_id
        )

    async def on_reaction(self, frame: dict) -> None:
        data = _frame_data(ReactionFrameSerializer, frame)
        service = services.reaction_add if frame["type"] == "reaction.add" else services.reaction_remove
        await database_sync_to_async(_call_service)(
            self.room_id, service, user=self.user, message_id=data["message_id"], emoji=data["emoji"]
        )

    async def on_ping(self, frame: dict) -> None:
        await self.send_json({"type": "pong"})

    frame_handlers = {
        "message.send": on_message_send,
        "message.edit": on_message_edit,
        "message.delete": on_message_delete,
        "typing": on_typing,
        "read": on_read,
        "reaction.add": on_reaction,
        "reaction.remove": on_reaction,
        "ping": on_ping,
    }

    # --- group events ------------------------------------------------------------------------

    async def room_message(self, event):
        if event["message"]["id"] <= self.replayed_up_to:
            return  # already delivered in the history frame
        await self._send_message_frame("message.new", event)

    async def room_message_updated(self, event):
        await self._send_message_frame("message.updated", event)

    async def _send_message_frame(self, frame_type: str, event: dict) -> None:
        reactors, me = event.get("reactors", {}), self.user.pk
        await self.send_shared(
            event,
            _my_emojis(reactors, me),
            lambda: {"type": frame_type, "message": _with_me(event["message"], reactors, me)},
        )

    async def room_message_deleted(self, event):
        await self.send_shared(event, None, lambda: {"type": "message.deleted", "id": event["id"]})

    def _unseen(self, event, user_id: int) -> bool:
        """A hidden participant's typing, presence and reads reach nobody but themselves."""
        return bool(event.get("hidden")) and user_id != self.user.pk

    async def room_typing(self, event):
        if event["user"]["id"] != self.user.pk and not self._unseen(event, event["user"]["id"]):
            await self.send_shared(
                event, None, lambda: {"type": "typing", "user": event["user"], "is_typing": event["is_typing"]}
            )

    async def room_read(self, event):
        if not self._unseen(event, event["user"]["id"]):
            await self.send_shared(
                event, None, lambda: {"type": "read", "user": event["user"], "message_id": event["message_id"]}
            )

    async def room_reaction(self, event):
        keys = ("message_id", "emoji", "user", "action", "count")
        await self.send_shared(event, None, lambda: {"type": "reaction", **{key: event[key] for key in keys}})

    async def room_presence_join(self, event):
        # My own arrival is already in the presence frame I got on connect.
        if event["user_id"] != self.user.pk and not self._unseen(event, event["user_id"]):
            await self.send_shared(event, None, lambda: {"type": "presence.join", "user": event["user"]})

    async def room_presence_leave(self, event):
        if event["user_id"] != self.user.pk and not self._unseen(event, event["user_id"]):
            await self.send_shared(event, None, lambda: {"type": "presence.leave", "user": event["user"]})

    async def room_participant_status(self, event):
        """My conversation status changed (accepted): from now on the others see me, starting now."""
        if event["user_id"] != self.user.pk:
            return
        was_hidden, self.hidden = self.hidden, event["status"] != "active"
        if was_hidden and not self.hidden:
            await self._send_presence_event("room.presence_join", self.user.pk, user=user_summary(self.user))

    async def room_member_removed(self, event):
        if event["user_id"] == self.user.pk:
            if event.get("reason") == "declined":  # a declined conversation no longer exists for me
                await self.close(code=CLOSE_NOT_FOUND, reason="No such conversation.")
            else:
                await self.close(code=CLOSE_FORBIDDEN, reason="No longer a member of this room.")

    async def room_deleted(self, event):
        await self.close(code=CLOSE_NOT_FOUND, reason="This room was deleted.")

    # --- events of this room (events app; the payload is shared, `my_votes` is each viewer's own) ----

    async def event_updated(self, event):
        my_votes = event.get("my_votes", {})
        me = str(self.user.pk) if str(self.user.pk) in my_votes else None  # None: no votes of mine
        await self.send_shared(
            event, me, lambda: {"type": "event.updated", "event": {**event["event"], "my_votes": my_votes.get(me, {})}}
        )

    async def event_deleted(self, event):
        await self.send_shared(event, None, lambda: {"type": "event.deleted", "id": event["id"]})
