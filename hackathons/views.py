"""Thin views: parse → service or selector → serialize. Rules live in services.py and selectors.py."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hackathons import selectors, services
from hackathons.models import Hackathon, JoinRequest, Submission, Team
from hackathons.serializers import (
    SCORES_SCHEMA,
    CandidateFilterSerializer,
    HackathonFilterSerializer,
    HackathonSerializer,
    HackathonWriteSerializer,
    JudgeSerializer,
    LeaveSerializer,
    StandingSerializer,
    SubmissionSerializer,
    SubmissionWriteSerializer,
    TeamDetailSerializer,
    TeamFilterSerializer,
    TeamJoinRequestFilterSerializer,
    TeamJoinRequestSerializer,
    TeamJoinRequestWriteSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
    TeamWriteSerializer,
    UserRefSerializer,
    parse_scores,
)
from projects.serializers import CandidateSerializer

HACKATHON_ID = OpenApiParameter("hackathon_pk", OpenApiTypes.INT, OpenApiParameter.PATH)
TEAM_ID = OpenApiParameter("team_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class HackathonViewSet(viewsets.GenericViewSet):
    """Hackathons: anyone reads; a signed-in user creates one and is its organizer."""

    lookup_value_regex = r"\d+"
    queryset = Hackathon.objects.none()  # for the schema; reads go through selectors
    serializer_class = HackathonSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _hackathon(self):
        return selectors.hackathon_get(hackathon_id=self.kwargs["pk"], user=self.request.user)

    def _detail(self, hackathon_id, code=status.HTTP_200_OK) -> Response:
        hackathon = selectors.hackathon_get(hackathon_id=hackathon_id, user=self.request.user)
        return Response(HackathonSerializer(hackathon).data, status=code)

    @extend_schema(parameters=[HackathonFilterSerializer], responses={200: HackathonSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        filters = _valid(HackathonFilterSerializer, request.query_params)
        page = self.paginate_queryset(selectors.hackathon_list(user=request.user, **filters))
        return self.get_paginated_response(HackathonSerializer(page, many=True).data)

    @extend_schema(request=HackathonWriteSerializer, responses={201: HackathonSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(HackathonWriteSerializer, request.data)
        hackathon = services.hackathon_create(organizer=request.user, **data)
        return self._detail(hackathon.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: HackathonSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return self._detail(pk)

    @extend_schema(request=HackathonWriteSerializer, responses={200: HackathonSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        hackathon = self._hackathon()
        data = _valid(HackathonWriteSerializer, request.data, partial=True)
        services.hackathon_update(hackathon=hackathon, actor=request.user, data=data)
        return self._detail(hackathon.pk)

    @extend_schema(methods=["GET"], responses={200: JudgeSerializer(many=True)})
    @extend_schema(methods=["POST"], request=UserRefSerializer, responses={201: JudgeSerializer})
    @extend_schema(methods=["DELETE"], request=UserRefSerializer, responses={204: None})
    @action(detail=True, methods=["get", "post", "delete"])
    def judges(self, request, pk=None, *args, **kwargs):
        hackathon = self._hackathon()
        if request.method == "GET":
            page = self.paginate_queryset(selectors.judge_list(hackathon=hackathon))
            return self.get_paginated_response(JudgeSerializer(page, many=True).data)
        self._require_auth(request)
        user_id = _valid(UserRefSerializer, request.data or request.query_params)["user"]
        if request.method == "DELETE":
            services.judge_remove(hackathon=hackathon, actor=request.user, user_id=user_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        judge = services.judge_add(hackathon=hackathon, actor=request.user, user_id=user_id)
        return Response(JudgeSerializer(judge).data, status=status.HTTP_201_CREATED)

    def _require_auth(self, request) -> None:
        if not request.user.is_authenticated:
            self.permission_denied(request)

    @extend_schema(parameters=[CandidateFilterSerializer], responses={200: CandidateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None, *args, **kwargs):
        """Participants without a team, best skill match for my team (or `?team=`) first."""
        hackathon = self._hackathon()
        filters = _valid(CandidateFilterSerializer, request.query_params)
        if "team" in filters:
            team = selectors.team_get(hackathon=hackathon, team_id=filters["team"])
        else:
            membership = selectors.current_membership(hackathon=hackathon, user=request.user)
            team = membership.team if membership is not None else None
        page = self.paginate_queryset(selectors.candidates(hackathon=hackathon, team=team))
        return self.get_paginated_response(CandidateSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: HackathonSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def publish(self, request, pk=None, *args, **kwargs):
        hackathon = services.results_publish(hackathon=self._hackathon(), actor=request.user)
        return self._detail(hackathon.pk)

    @extend_schema(responses={200: StandingSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def leaderboard(self, request, pk=None, *args, **kwargs):
        """After publishing: `[{"rank", "team", "score"}]`, every ranked team, like the gamification leaderboard
        (a preview for the organizer and judges while judging)."""
        ranked = selectors.leaderboard(hackathon=self._hackathon(), viewer=request.user)
        return Response(StandingSerializer(ranked, many=True).data)


class HackathonChildMixin:
    def hackathon(self):
        if not hasattr(self, "_hackathon_cache"):
            self._hackathon_cache = selectors.hackathon_get(
                hackathon_id=self.kwargs["hackathon_pk"], user=self.request.user
            )
        return self._hackathon_cache


@extend_schema(parameters=[HACKATHON_ID], tags=["hackathons"])
class TeamViewSet(HackathonChildMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    queryset = Team.objects.none()
    serializer_class = TeamSerializer
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def _team(self):
        return selectors.team_get(hackathon=self.hackathon(), team_id=self.kwargs["pk"])

    def _detail(self, team_id, code=status.HTTP_200_OK) -> Response:
        team = selectors.team_get(hackathon=self.hackathon(), team_id=team_id)
        team.visible_submission = selectors.team_submission_visible_to(team=team, user=self.request.user)  # type: ignore[attr-defined]  # set for the serializer
        return Response(TeamDetailSerializer(team).data, status=code)

    @extend_schema(parameters=[TeamFilterSerializer], responses={200: TeamSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        filters = _valid(TeamFilterSerializer, request.query_params)
        page = self.paginate_queryset(selectors.team_list(hackathon=self.hackathon(), **filters))
        return self.get_paginated_response(TeamSerializer(page, many=True).data)

    @extend_schema(request=TeamWriteSerializer, responses={201: TeamDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = _valid(TeamWriteSerializer, request.data)
        if "project" in data:
            data["project_id"] = data.pop("project")
        team = services.team_create(hackathon=self.hackathon(), leader=request.user, **data)
        return self._detail(team.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: TeamDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.kwargs["pk"])

    @extend_schema(request=TeamUpdateSerializer, responses={200: TeamDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        team = self._team()
        data = _valid(TeamUpdateSerializer, request.data, partial=True)
        services.team_update(team=team, actor=request.user, data=data)
        return self._detail(team.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.team_delete(team=self._team(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=TeamJoinRequestWriteSerializer, responses={201: TeamJoinRequestSerializer})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def join(self, request, *args, **kwargs):
        data = _valid(TeamJoinRequestWriteSerializer, request.data)
        join_request = services.join_request_create(team=self._team(), user=request.user, **data)
        return Response(TeamJoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LeaveSerializer, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def leave(self, request, *args, **kwargs):
        data = _valid(LeaveSerializer, request.data)
        services.team_leave(team=self._team(), actor=request.user, new_leader_id=data.get("new_leader"))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=SubmissionWriteSerializer,
        responses={200: SubmissionSerializer, 201: SubmissionSerializer},
        description="Create (201) or replace (200) the team's submission: the leader, until the deadline.",
    )
    @action(detail=True, methods=["put"], permission_classes=[IsAuthenticated])
    def submission(self, request, *args, **kwargs):
        data = _valid(SubmissionWriteSerializer, request.data)
        submission, created = services.submission_put(team=self._team(), actor=request.user, data=data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SubmissionSerializer(submission).data, status=code)


@extend_schema(parameters=[HACKATHON_ID, TEAM_ID], tags=["hackathons"])
class TeamJoinRequestViewSet(HackathonChildMixin, viewsets.GenericViewSet):
    """A team's join requests: its leader lists, accepts and declines them."""

    lookup_value_regex = r"\d+"
    queryset = JoinRequest.objects.none()
    serializer_class = TeamJoinRequestSerializer
    permission_classes = [IsAuthenticated]

    def team(self):
        return selectors.team_get(hackathon=self.hackathon(), team_id=self.kwargs["team_pk"])

    @extend_schema(parameters=[TeamJoinRequestFilterSerializer], responses={200: TeamJoinRequestSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        filters = _valid(TeamJoinRequestFilterSerializer, request.query_params)
        requests = selectors.join_request_list(team=self.team(), viewer=request.user, **filters)
        page = self.paginate_queryset(requests)
        return self.get_paginated_response(TeamJoinRequestSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: TeamJoinRequestSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, *args, **kwargs):
        join_request = services.join_request_accept(
            team=self.team(), actor=request.user, request_id=selectors.parse_id(pk)
        )
        return Response(TeamJoinRequestSerializer(join_request).data)

    @extend_schema(request=None, responses={200: TeamJoinRequestSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None, *args, **kwargs):
        join_request = services.join_request_decline(
            team=self.team(), actor=request.user, request_id=selectors.parse_id(pk)
        )
        return Response(TeamJoinRequestSerializer(join_request).data)


@extend_schema(parameters=[HACKATHON_ID], tags=["hackathons"])
class SubmissionViewSet(HackathonChildMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    queryset = Submission.objects.none()
    serializer_class = SubmissionSerializer

    @extend_schema(responses={200: SubmissionSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        """Judges and the organizer during judging (the organizer also before); everyone once ended."""
        submissions = selectors.submission_list(hackathon=self.hackathon(), viewer=request.user)
        page = self.paginate_queryset(submissions)
        return self.get_paginated_response(SubmissionSerializer(page, many=True).data)

    @extend_schema(
        request={"application/json": SCORES_SCHEMA},
        responses={200: SCORES_SCHEMA},
        examples=[OpenApiExample("Two criteria", value={"12": 8, "13": 6})],
    )
    @action(detail=True, methods=["put"], permission_classes=[IsAuthenticated])
    def scores(self, request, pk=None, *args, **kwargs):
        """A judge's `{criterion id: score}` (0..max_score) for this submission, while judging."""
        hackathon = self.hackathon()
        submission = selectors.submission_get(hackathon=hackathon, submission_id=pk)
        submission.hackathon = hackathon
        scores = services.scores_put(submission=submission, actor=request.user, scores=parse_scores(request.data))
        return Response({str(criterion_id): value for criterion_id, value in sorted(scores.items())})
