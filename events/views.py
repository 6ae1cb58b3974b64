"""Thin REST views of events: parse, call a selector or service, serialize (API reference: "events")."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from events import selectors, services
from events.ical import event_ical
from events.models import DEFAULT_DURATION_MINUTES, Event, EventStatus, EventTask, Slot
from events.serializers import (
    EventCreateSerializer,
    EventFilterSerializer,
    EventSerializer,
    EventTaskCreateSerializer,
    EventTaskSerializer,
    EventTaskUpdateSerializer,
    EventUpdateSerializer,
    LockSerializer,
    SlotCreateSerializer,
    SlotSerializer,
    SlotVoteSerializer,
)
from rooms.selectors import room_list_visible_to

EVENT_ID = OpenApiParameter("event_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _viewer_context(request) -> dict:
    return {"viewer_id": request.user.pk if request.user.is_authenticated else None}


def _event_response(request, event_id: int, code=status.HTTP_200_OK) -> Response:
    event = selectors.event_detail(event_id=event_id)
    return Response(EventSerializer(event, context=_viewer_context(request)).data, status=code)


class ICalendarRenderer(BaseRenderer):
    """Lets clients ask for `text/calendar`; errors on that path are still JSON bodies."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return JSONRenderer().render(data)


class EventViewSet(viewsets.GenericViewSet):
    """Events with time-slot voting. Hidden events (a private room's, to outsiders) answer 404."""

    lookup_value_regex = r"\d+"
    queryset = Event.objects.none()  # for the schema; reads go through selectors
    serializer_class = EventSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _event(self) -> Event:
        return selectors.event_get_for_user(event_id=self.kwargs["pk"], user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("room", int),
            OpenApiParameter("status", str, enum=EventStatus.values),
            OpenApiParameter("upcoming", bool, description="Only events still to come, soonest first."),
        ],
        responses={200: EventSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        filters = _valid(EventFilterSerializer, request.query_params)
        events = selectors.event_list(
            user=request.user, room_id=filters.get("room"), status=filters.get("status"), upcoming=filters["upcoming"]
        )
        page = self.paginate_queryset(events)
        return self.get_paginated_response(EventSerializer(page, many=True, context=_viewer_context(request)).data)

    @extend_schema(request=EventCreateSerializer, responses={201: EventSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(EventCreateSerializer, request.data)
        room = None
        if data.get("room") is not None:
            # A room the user may not see is answered like one that does not exist.
            room = room_list_visible_to(request.user).filter(pk=data["room"]).first()
            if room is None:
                raise ValidationError({"room": ["No such room."]})
        event = services.event_create(
            creator=request.user,
            title=data["title"],
            room=room,
            description=data.get("description", ""),
            location=data.get("location", ""),
            duration_minutes=data.get("duration_minutes", DEFAULT_DURATION_MINUTES),
            slot_times=data.get("slots", ()),
        )
        return _event_response(request, event.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: EventSerializer})
    def retrieve(self, request, *args, **kwargs):
        return _event_response(request, self._event().pk)

    @extend_schema(request=EventUpdateSerializer, responses={200: EventSerializer})
    def partial_update(self, request, *args, **kwargs):
        event = self._event()
        services.event_update(event=event, actor=request.user, data=_valid(EventUpdateSerializer, request.data))
        return _event_response(request, event.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.event_delete(event=self._event(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=LockSerializer, responses={200: EventSerializer})
    @action(detail=True, methods=["post"])
    def lock(self, request, *args, **kwargs):
        event = self._event()
        slot_id = _valid(LockSerializer, request.data)["slot"]
        services.event_lock(event=event, actor=request.user, slot_id=slot_id)
        return _event_response(request, event.pk)

    @extend_schema(
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY, description="RFC 5545 of the locked slot"),
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, ICalendarRenderer])
    def ical(self, request, *args, **kwargs):
        event = self._event()
        if event.status != EventStatus.LOCKED:
            raise ValidationError({"detail": ["Only a locked event has a calendar entry."]})
        event = Event.objects.select_related("locked_slot").get(pk=event.pk)
        response = HttpResponse(event_ical(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
        return response


class EventChildMixin:
    def event(self) -> Event:
        if not hasattr(self, "_event_cache"):
            self._event_cache = selectors.event_get_for_user(event_id=self.kwargs["event_pk"], user=self.request.user)  # type: ignore[attr-defined]  # mixed into a GenericViewSet
        return self._event_cache


@extend_schema(parameters=[EVENT_ID])
class SlotViewSet(EventChildMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    queryset = Slot.objects.none()
    serializer_class = SlotSerializer
    http_method_names = ["post", "put", "delete", "head", "options"]

    @extend_schema(request=SlotCreateSerializer, responses={201: SlotSerializer})
    def create(self, request, *args, **kwargs):
        starts_at = _valid(SlotCreateSerializer, request.data)["starts_at"]
        slot = services.slot_add(event=self.event(), actor=request.user, starts_at=starts_at)
        return Response(SlotSerializer(slot).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.slot_remove(event=self.event(), actor=request.user, slot_id=int(kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["PUT"], request=SlotVoteSerializer, responses={200: EventSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["put", "delete"])
    def vote(self, request, *args, **kwargs):
        event, slot_id = self.event(), int(kwargs["pk"])
        if request.method == "DELETE":
            services.vote_remove(event=event, user=request.user, slot_id=slot_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        answer = _valid(SlotVoteSerializer, request.data)["answer"]
        services.vote_set(event=event, user=request.user, slot_id=slot_id, answer=answer)
        return _event_response(request, event.pk)


@extend_schema(parameters=[EVENT_ID])
class EventTaskViewSet(EventChildMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    queryset = EventTask.objects.none()
    serializer_class = EventTaskSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _task(self) -> EventTask:
        return selectors.task_get(event=self.event(), task_id=int(self.kwargs["pk"]))

    @extend_schema(responses={200: EventTaskSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.task_list(event=self.event()))
        return self.get_paginated_response(EventTaskSerializer(page, many=True).data)

    @extend_schema(request=EventTaskCreateSerializer, responses={201: EventTaskSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(EventTaskCreateSerializer, request.data)
        task = services.event_task_create(
            event=self.event(),
            actor=request.user,
            title=data["title"],
            status=data.get("status", "todo"),
            assigned_to_id=data.get("assigned_to"),
        )
        task = selectors.task_get(event=self.event(), task_id=task.pk)
        return Response(EventTaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EventTaskSerializer})
    def retrieve(self, request, *args, **kwargs):
        return Response(EventTaskSerializer(self._task()).data)

    @extend_schema(request=EventTaskUpdateSerializer, responses={200: EventTaskSerializer})
    def partial_update(self, request, *args, **kwargs):
        task = self._task()
        data = _valid(EventTaskUpdateSerializer, request.data)
        services.event_task_update(task=task, actor=request.user, data=data)
        return Response(EventTaskSerializer(selectors.task_get(event=self.event(), task_id=task.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.event_task_delete(task=self._task(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
