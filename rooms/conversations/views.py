"""conversations/: thin views over rooms.conversations (messages live at rooms/{id}/messages/)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from api.ratelimit import enforce_rate_limit
from rooms.conversations import selectors, services
from rooms.conversations.serializers import (
    ConversationCreateSerializer,
    ConversationListQuerySerializer,
    ConversationSerializer,
    ConversationUpdateSerializer,
)
from rooms.models import Room
from rooms.permissions import CHAT_RATE_GROUP
from rooms.views import _pk, _valid


class ConversationCursorPagination(CursorPagination):
    """Most recent activity (last message, else creation) first; `{"next", "previous", "results"}`."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-activity_at", "-id")


class ConversationViewSet(viewsets.GenericViewSet):
    queryset = Room.objects.none()  # for the schema; reads go through rooms.conversations.selectors
    serializer_class = ConversationSerializer
    pagination_class = ConversationCursorPagination
    permission_classes = [permissions.IsAuthenticated]
    lookup_value_regex = r"\d+"
    # Starting conversations has its own budget (api/throttling.py counts it); other writes the default.
    write_rate_limits = {"create": "RATELIMIT_CONVERSATIONS"}

    def _conversation(self, pk) -> Room:
        return selectors.conversation_get(conversation_id=_pk(pk), user=self.request.user)  # type: ignore[arg-type]  # IsAuthenticated: a User

    def _respond(self, pk, status_code=status.HTTP_200_OK) -> Response:
        return Response(ConversationSerializer(self._conversation(pk)).data, status=status_code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["active", "request"], description="request: message requests only")
        ]
    )
    def list(self, request, *args, **kwargs):
        status_filter = _valid(ConversationListQuerySerializer, request.query_params).get("status")
        conversations = selectors.conversations_of(request.user, status=status_filter)
        page = selectors.attach_last_messages(self.paginate_queryset(conversations), viewer_id=request.user.pk)
        return self.get_paginated_response(ConversationSerializer(page, many=True).data)

    @extend_schema(
        request=ConversationCreateSerializer,
        responses={201: ConversationSerializer, 200: ConversationSerializer},
        description="One other participant: the pair's existing direct conversation is answered with 200.",
    )
    def create(self, request, *args, **kwargs):
        data = _valid(ConversationCreateSerializer, request.data, context={"request": request})
        if data.get("content"):
            enforce_rate_limit(request, group=CHAT_RATE_GROUP, rate=settings.RATELIMIT_CHAT, per="user")
        room, created = services.conversation_start(starter=request.user, **data)
        return self._respond(room.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: ConversationSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return self._respond(pk)

    @extend_schema(request=ConversationUpdateSerializer, responses={200: ConversationSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        room = self._conversation(pk)
        data = _valid(ConversationUpdateSerializer, request.data)
        services.conversation_update(room=room, user=request.user, **data)
        return self._respond(room.pk)

    @extend_schema(request=None, responses={200: ConversationSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, *args, **kwargs):
        room = self._conversation(pk)
        services.conversation_accept(room=room, user=request.user)
        return self._respond(room.pk)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None, *args, **kwargs):
        services.conversation_decline(room=self._conversation(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None, *args, **kwargs):
        services.conversation_leave(room=self._conversation(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
