"""Thin REST views of rooms and chat: parse, call a selector or service, serialize."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.pagination import NewestFirstCursorPagination
from api.params import MAX_ID, path_id, search_param
from api.ratelimit import enforce_rate_limit
from api.serializers import validated
from rooms import commands, selectors, services
from rooms.models import Message, Room
from rooms.permissions import CHAT_RATE_GROUP, require_moderator
from rooms.serializers import (
    BanCreateSerializer,
    BanSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    JoinSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    MessageCreateSerializer,
    MessageEditSerializer,
    MessageSerializer,
    ReactionSerializer,
    ReadMarkerResultSerializer,
    ReadMarkerSerializer,
    RoomCreateSerializer,
    RoomSerializer,
    RoomUpdateSerializer,
    message_data,
    room_data,
)
from users.models import User


def _id_param(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise serializers.ValidationError({name: ["A message id is a whole number."]}) from None
    if not 0 <= number <= MAX_ID:
        raise serializers.ValidationError({name: ["Out of range."]})
    return number


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in {"1", "true", "yes", "on"}


def _room_for_write(request, pk) -> Room:
    """Hidden rooms (and conversations: they have their own endpoints) answer 404 before any role check."""
    return selectors.chat_room_get_for_user(room_id=path_id(pk), user=request.user)


def _room_payload(request, room_id: int) -> dict:
    return RoomSerializer(selectors.room_detail(room_id=room_id, user=request.user)).data


class RoomViewSet(viewsets.GenericViewSet):
    queryset = Room.objects.none()  # for the schema; reads go through rooms.selectors
    serializer_class = RoomSerializer
    lookup_value_regex = r"\d+"
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    write_rate_limits = {"read": "RATELIMIT_CHAT"}  # a client marks read as fast as messages arrive

    @extend_schema(
        parameters=[
            OpenApiParameter("tags", str, description="comma-separated, any of"),
            OpenApiParameter("search", str),
            OpenApiParameter("mine", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        params = request.query_params
        tags = [tag.strip().lower() for tag in params.get("tags", "").split(",") if tag.strip()]
        rooms = selectors.room_list(
            user=request.user, tags=tags, search=search_param(request), mine=_truthy(params.get("mine"))
        )
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response([room_data(room) for room in page])

    @extend_schema(request=RoomCreateSerializer, responses={201: RoomSerializer})
    def create(self, request, *args, **kwargs):
        room = services.room_create(creator=request.user, **validated(RoomCreateSerializer, request.data))
        return Response(_room_payload(request, room.pk), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: RoomSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return Response(_room_payload(request, path_id(pk)))

    @extend_schema(request=RoomUpdateSerializer, responses={200: RoomSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        room = _room_for_write(request, pk)
        data = validated(RoomUpdateSerializer, request.data, partial=True)
        services.room_update(room=room, actor=request.user, data=data)
        return Response(_room_payload(request, room.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None, *args, **kwargs):
        services.room_delete(room=_room_for_write(request, pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=JoinSerializer, responses={200: RoomSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def join(self, request, pk=None, *args, **kwargs):
        # Not room_get_for_user: an outsider holding an invite code may join a private room.
        room = Room.objects.chat_rooms().filter(pk=path_id(pk)).first()
        if room is None:
            return Response({"detail": "No such room."}, status=status.HTTP_404_NOT_FOUND)
        code = validated(JoinSerializer, request.data).get("code")
        services.room_join(room=room, user=request.user, code=code or None)
        return Response(_room_payload(request, room.pk))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def leave(self, request, pk=None, *args, **kwargs):
        services.room_leave(room=_room_for_write(request, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: MemberSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def members(self, request, pk=None, *args, **kwargs):
        room = selectors.chat_room_get_for_user(room_id=path_id(pk), user=request.user)
        return Response(MemberSerializer(selectors.room_members(room=room), many=True).data)

    @extend_schema(methods=["PATCH"], request=MemberRoleSerializer, responses={200: MemberSerializer})
    @extend_schema(methods=["DELETE"], responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"members/(?P<user_id>\d+)",
        permission_classes=[permissions.IsAuthenticated],
    )
    def member(self, request, pk=None, user_id=None, *args, **kwargs):
        room = _room_for_write(request, pk)
        target = get_object_or_404(User, pk=path_id(user_id))
        if request.method == "DELETE":
            services.member_kick(room=room, actor=request.user, user=target)
            return Response(status=status.HTTP_204_NO_CONTENT)
        role = validated(MemberRoleSerializer, request.data)["role"]
        membership = services.member_set_role(room=room, actor=request.user, user=target, role=role)
        return Response(MemberSerializer(membership).data)

    @extend_schema(methods=["POST"], request=BanCreateSerializer, responses={201: BanSerializer})
    @extend_schema(methods=["GET"], responses={200: BanSerializer(many=True)})
    @action(
        detail=True, methods=["get", "post"], permission_classes=[permissions.IsAuthenticated], pagination_class=None
    )
    def bans(self, request, pk=None, *args, **kwargs):
        room = _room_for_write(request, pk)
        if request.method == "GET":
            require_moderator(selectors.membership_of(room=room, user=request.user))
            return Response(BanSerializer(selectors.room_bans(room=room), many=True).data)
        data = validated(BanCreateSerializer, request.data)
        ban = services.member_ban(room=room, actor=request.user, user=data["user"], reason=data["reason"])
        return Response(BanSerializer(ban).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"bans/(?P<user_id>\d+)",
        permission_classes=[permissions.IsAuthenticated],
    )
    def unban(self, request, pk=None, user_id=None, *args, **kwargs):
        room = _room_for_write(request, pk)
        target = get_object_or_404(User, pk=path_id(user_id))
        services.member_unban(room=room, actor=request.user, user=target)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=InviteCreateSerializer, responses={201: InviteSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def invites(self, request, pk=None, *args, **kwargs):
        room = _room_for_write(request, pk)
        data = validated(InviteCreateSerializer, request.data)
        invite = services.invite_create(
            room=room,
            inviter=request.user,
            expires_in_hours=data.get("expires_in_hours"),
            max_uses=data.get("max_uses"),
            invitee=data.get("user"),
        )
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReadMarkerSerializer, responses={200: ReadMarkerResultSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def read(self, request, pk=None, *args, **kwargs):
        room = selectors.room_get_for_member(room_id=path_id(pk), user=request.user)
        message_id = validated(ReadMarkerSerializer, request.data)["message_id"]
        marker = services.read_marker_set(room=room, user=request.user, message_id=message_id)
        unread = selectors.unread_count_for(room=room, user=request.user)
        return Response({"message_id": marker.last_read_id, "unread_count": unread})


class MessageViewSet(viewsets.GenericViewSet):
    """rooms/{room_id}/messages/: members only; hidden rooms answer 404."""

    queryset = Message.objects.none()  # for the schema; reads go through rooms.selectors
    serializer_class = MessageSerializer
    pagination_class = NewestFirstCursorPagination
    lookup_value_regex = r"\d+"
    permission_classes = [permissions.IsAuthenticated]
    write_rate_limits = {"create": None}  # counted in create() with the socket's RATELIMIT_CHAT (api/throttling.py)

    def _room(self) -> Room:
        return selectors.room_get_for_member(room_id=path_id(self.kwargs["room_id"]), user=self.request.user)

    def _respond(self, message, status_code=status.HTTP_200_OK) -> Response:
        selectors.attach_reactions([message], viewer_id=self.request.user.pk)
        return Response(MessageSerializer(message).data, status=status_code)

    @extend_schema(
        parameters=[
            OpenApiParameter("before", OpenApiTypes.INT, description="only messages older than this id"),
            OpenApiParameter("after", OpenApiTypes.INT, description="only messages newer than this id"),
        ]
    )
    def list(self, request, *args, **kwargs):
        room = selectors.room_check_member(room_id=path_id(self.kwargs["room_id"]), user=request.user)
        params = request.query_params
        messages = selectors.message_rows(
            room=room, before=_id_param(params.get("before"), "before"), after=_id_param(params.get("after"), "after")
        )
        page = selectors.message_page_related(self.paginate_queryset(messages), viewer_id=request.user.pk)
        return self.get_paginated_response([message_data(message) for message in page])

    @extend_schema(
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, 200: MessageSerializer, 204: None},
        description="Text starting with `/` runs a slash command (`/me`, `/task`, ...; `//` posts a literal `/`): "
        "the answer is the message it posted, or 204 when it posted none.",
    )
    def create(self, request, *args, **kwargs):
        room = self._room()
        enforce_rate_limit(request, group=CHAT_RATE_GROUP, rate=settings.RATELIMIT_CHAT, per="user")
        data = validated(MessageCreateSerializer, request.data)
        message, created = commands.chat_send(room=room, author=request.user, **data)
        if message is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._respond(message, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: MessageSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return self._respond(selectors.message_get(room=self._room(), message_id=path_id(pk)))

    @extend_schema(request=MessageEditSerializer, responses={200: MessageSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        room = self._room()
        content = validated(MessageEditSerializer, request.data)["content"]
        message = services.message_edit(room=room, editor=request.user, message_id=path_id(pk), content=content)
        return self._respond(message)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None, *args, **kwargs):
        services.message_delete(room=self._room(), actor=request.user, message_id=path_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["POST", "DELETE"],
        request=ReactionSerializer,
        responses={200: MessageSerializer},
        parameters=[OpenApiParameter("emoji", str, description="DELETE may name the emoji here instead")],
    )
    @action(detail=True, methods=["post", "delete"])
    def reactions(self, request, pk=None, *args, **kwargs):
        room = self._room()
        body = request.data if isinstance(request.data, dict) and request.data else request.query_params
        emoji = validated(ReactionSerializer, {"emoji": body.get("emoji")})["emoji"]
        change = services.reaction_add if request.method == "POST" else services.reaction_remove
        message = change(room=room, user=request.user, message_id=path_id(pk), emoji=emoji)
        return self._respond(selectors.message_get(room=room, message_id=message.pk))
