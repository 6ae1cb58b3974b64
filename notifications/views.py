from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import selectors, services
from notifications.models import Notification
from notifications.serializers import (
    NotificationListQuerySerializer,
    NotificationSerializer,
    PreferenceSerializer,
    ReadAllSerializer,
    UnreadCountSerializer,
    UnsubscribeQuerySerializer,
    UnsubscribeResultSerializer,
    notification_data,
)

NOT_MINE = OpenApiResponse(description="No such notification, or it is someone else's.")
BAD_QUERY = OpenApiResponse(description="`unread` is not a boolean.")
BAD_PREFERENCES = OpenApiResponse(description="Unknown `email_digest` value or verb in `muted_verbs`.")
BAD_TOKEN = OpenApiResponse(description="Missing, malformed or forged token.")


class NotificationViewSet(viewsets.GenericViewSet):
    """The signed-in user's own notifications; anyone else's answer 404."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # the schema's model; reads go through selectors
    lookup_value_regex = r"\d+"

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="true: only unread; false: only read")],
        responses={200: NotificationSerializer(many=True), 400: BAD_QUERY},
    )
    def list(self, request, *args, **kwargs):
        query = NotificationListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        notifications = selectors.notification_rows(user=request.user, unread=query.validated_data["unread"])
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response([notification_data(notification) for notification in page])

    @extend_schema(responses={200: UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request, *args, **kwargs):
        return Response({"count": selectors.unread_count(user_id=request.user.pk)})

    @extend_schema(request=None, responses={200: NotificationSerializer, 404: NOT_MINE})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None, *args, **kwargs):
        notification = services.notification_mark_read(user=request.user, notification_id=int(pk))
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request, *args, **kwargs):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "count": selectors.unread_count(user_id=request.user.pk)})

    @extend_schema(methods=["GET"], responses={200: PreferenceSerializer})
    @extend_schema(
        methods=["PATCH"], request=PreferenceSerializer, responses={200: PreferenceSerializer, 400: BAD_PREFERENCES}
    )
    @action(detail=False, methods=["get", "patch"])
    def preferences(self, request, *args, **kwargs):
        if request.method == "PATCH":
            data = PreferenceSerializer(data=request.data, partial=True)
            data.is_valid(raise_exception=True)
            preference = services.preference_update(user=request.user, **data.validated_data)
        else:
            preference = selectors.preference_of(user=request.user)
        return Response(PreferenceSerializer(preference).data)


class UnsubscribeView(APIView):
    """The link in every digest e-mail: turns digests off without logging in (signed token).

    GET so that a click in a mail client works; POST for RFC 8058 one-click unsubscribe.
    """

    permission_classes = [permissions.AllowAny]
    authentication_classes = []

    def _unsubscribe(self, request):
        query = UnsubscribeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        preference = services.preference_unsubscribe_digest(token=query.validated_data["token"])
        detail = "You will not receive digest e-mails any more."
        return Response({"email_digest": preference.email_digest, "detail": detail})

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        responses={200: UnsubscribeResultSerializer, 400: BAD_TOKEN},
        tags=["notifications"],
        auth=[],
    )
    def get(self, request, *args, **kwargs):
        return self._unsubscribe(request)

    @extend_schema(
        parameters=[OpenApiParameter("token", str, required=True)],
        request=None,
        responses={200: UnsubscribeResultSerializer, 400: BAD_TOKEN},
        tags=["notifications"],
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return self._unsubscribe(request)
