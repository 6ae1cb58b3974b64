from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from gamification import selectors, services
from gamification.models import UserBadge
from gamification.serializers import (
    AchievementSerializer,
    BadgeSerializer,
    EarnedBadgeSerializer,
    LeaderboardEntrySerializer,
    LeaderboardQuerySerializer,
    MarkShownSerializer,
)
from users.selectors import user_get_active

NOT_FOUND = OpenApiResponse(description="No such active user.")


@extend_schema(tags=["gamification"])
class BadgeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The badge catalogue, each with how many users earned it."""

    serializer_class = BadgeSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"[-a-z0-9_]{1,50}"

    def get_queryset(self):
        return selectors.badge_catalogue()


@extend_schema(tags=["gamification"], responses={200: EarnedBadgeSerializer(many=True), 404: NOT_FOUND})
class UserBadgesView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Badges a user earned, oldest first, with `awarded_at`."""

    queryset = UserBadge.objects.none()  # for the schema; reads go through gamification.selectors
    serializer_class = EarnedBadgeSerializer
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        user = user_get_active(user_id=int(self.kwargs["user_id"]))
        return selectors.badges_earned_by(user=user)


@extend_schema(tags=["gamification"])
class AchievementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """My badges; `pending/` lists those not shown yet and `mark-shown/` acknowledges one."""

    queryset = UserBadge.objects.none()  # for the schema; reads go through gamification.selectors
    serializer_class = AchievementSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        if self.action == "pending":
            return selectors.achievements_pending(user=self.request.user)
        return selectors.badges_earned_by(user=self.request.user)

    @extend_schema(responses={200: AchievementSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def pending(self, request, *args, **kwargs):
        return self.list(request, *args, **kwargs)

    @extend_schema(
        request=MarkShownSerializer,
        responses={
            200: AchievementSerializer,
            400: OpenApiResponse(description="`badge` is missing or not a badge code."),
            404: OpenApiResponse(description="I have not earned that badge (or it does not exist)."),
        },
    )
    @action(detail=False, methods=["post"], url_path="mark-shown")
    def mark_shown(self, request, *args, **kwargs):
        data = MarkShownSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user_badge = services.achievement_mark_shown(user=request.user, code=data.validated_data["badge"])
        return Response(AchievementSerializer(user_badge).data)


class LeaderboardView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        tags=["gamification"],
        parameters=[LeaderboardQuerySerializer],
        responses={
            200: LeaderboardEntrySerializer(many=True),
            400: OpenApiResponse(description="Unknown metric or period, or a limit outside 1..100."),
        },
        description=(
            "Top users by `karma` (votes received) or `contributions` (posts, comments, chat messages and "
            "task status changes) over the last 7 (`week`) or 30 (`month`) UTC days or `all` time. "
            "Tied users share a rank (1, 2, 2, 4) and are listed by id."
        ),
    )
    def get(self, request, *args, **kwargs):
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = selectors.leaderboard(**query.validated_data)
        return Response(LeaderboardEntrySerializer(entries, many=True).data)
