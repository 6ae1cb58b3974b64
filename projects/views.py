import hashlib
import hmac
from urllib.parse import parse_qs

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.pagination import PagePagination
from api.params import path_id
from api.parsers import loads_json
from api.serializers import validated
from projects import selectors, services
from projects.github import CommitData
from projects.models import Project, ProjectJoinRequest, ProjectMember, Task
from projects.serializers import (
    BoardSerializer,
    CandidateSerializer,
    CommitSerializer,
    MemberAddSerializer,
    MemberUpdateSerializer,
    MessageTaskSerializer,
    ProjectDetailSerializer,
    ProjectFilterSerializer,
    ProjectJoinRequestFilterSerializer,
    ProjectJoinRequestSerializer,
    ProjectJoinRequestWriteSerializer,
    ProjectMatchSerializer,
    ProjectMemberSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    PushPayloadSerializer,
    SyncQueuedSerializer,
    TaskFilterSerializer,
    TaskSerializer,
    TaskWriteSerializer,
    WebhookResultSerializer,
    project_data,
    task_data,
)

PROJECT_ID = OpenApiParameter("project_pk", OpenApiTypes.INT, OpenApiParameter.PATH)


def _detail_response(request, project_id: int, code=status.HTTP_200_OK) -> Response:
    project = selectors.project_get_detail(project_id=project_id, user=request.user)
    return Response(ProjectDetailSerializer(project).data, status=code)


class ProjectViewSet(viewsets.GenericViewSet):
    """Projects: public ones plus mine. Writes need the roles described in projects.permissions."""

    lookup_value_regex = r"\d+"
    queryset = Project.objects.none()  # for the schema; reads go through selectors
    serializer_class = ProjectSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _project(self):
        return selectors.project_get_for_user(project_id=self.kwargs["pk"], user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("skill", str),
            OpenApiParameter("status", str, enum=["active", "archived", "completed"]),
            OpenApiParameter("looking_for_members", bool),
            OpenApiParameter("search", str),
        ],
        responses={200: ProjectSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        filters = validated(ProjectFilterSerializer, request.query_params)
        page = selectors.project_skills_of(self.paginate_queryset(selectors.project_rows(user=request.user, **filters)))
        return self.get_paginated_response([project_data(project) for project in page])

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ProjectWriteSerializer, request.data)
        if "room" in data:
            data["room_id"] = data.pop("room")
        project = services.project_create(owner=request.user, **data)
        return _detail_response(request, project.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: ProjectDetailSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return _detail_response(request, pk)

    @extend_schema(request=ProjectWriteSerializer, responses={200: ProjectDetailSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        project = self._project()
        data = validated(ProjectWriteSerializer, request.data, partial=True)
        services.project_update(project=project, actor=request.user, data=data)
        return _detail_response(request, project.pk)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None, *args, **kwargs):
        services.project_delete(project=self._project(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses={200: ProjectMemberSerializer(many=True)})
    @extend_schema(methods=["POST"], request=MemberAddSerializer, responses={201: ProjectMemberSerializer})
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None, *args, **kwargs):
        project = self._project()
        if request.method == "POST":
            data = validated(MemberAddSerializer, request.data)
            member = services.member_add(project=project, actor=request.user, user_id=data["user"], role=data["role"])
            return Response(ProjectMemberSerializer(member).data, status=status.HTTP_201_CREATED)
        page = self.paginate_queryset(selectors.project_members(project=project))
        return self.get_paginated_response(ProjectMemberSerializer(page, many=True).data)

    @extend_schema(responses={200: BoardSerializer})
    @action(detail=True, methods=["get"])
    def board(self, request, pk=None, *args, **kwargs):
        board = selectors.task_board(project=self._project())
        return Response(BoardSerializer(board).data)

    @extend_schema(request=None, responses={202: SyncQueuedSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None, *args, **kwargs):
        services.project_sync_request(project=self._project(), actor=request.user)
        # The task may already have run (eager mode); the answer reports the state we set.
        return Response({"sync_status": "queued"}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: CommitSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def commits(self, request, pk=None, *args, **kwargs):
        page = self.paginate_queryset(selectors.commit_list(project=self._project()))
        return self.get_paginated_response(CommitSerializer(page, many=True).data)

    @extend_schema(responses={200: CandidateSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def candidates(self, request, pk=None, *args, **kwargs):
        page = self.paginate_queryset(selectors.project_candidates(project=self._project()))
        return self.get_paginated_response(CandidateSerializer(page, many=True).data)


class ProjectChildMixin:
    def project(self):
        if not hasattr(self, "_project_cache"):
            self._project_cache = selectors.project_get_for_user(
                project_id=self.kwargs["project_pk"], user=self.request.user
            )
        return self._project_cache


@extend_schema(parameters=[PROJECT_ID])
class ProjectMemberViewSet(ProjectChildMixin, viewsets.GenericViewSet):
    lookup_field = "user_id"
    lookup_value_regex = r"\d+"
    queryset = ProjectMember.objects.none()
    serializer_class = ProjectMemberSerializer
    http_method_names = ["patch", "delete", "head", "options"]

    @extend_schema(request=MemberUpdateSerializer, responses={200: ProjectMemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        project = self.project()
        member = selectors.project_member_get(project=project, user_id=kwargs["user_id"])
        data = validated(MemberUpdateSerializer, request.data)
        member = services.member_update(project=project, actor=request.user, member=member, role=data["role"])
        return Response(ProjectMemberSerializer(member).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        project = self.project()
        member = selectors.project_member_get(project=project, user_id=kwargs["user_id"])
        services.member_remove(project=project, actor=request.user, member=member)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(parameters=[PROJECT_ID])
class TaskViewSet(ProjectChildMixin, viewsets.GenericViewSet):
    lookup_field = "number"
    lookup_value_regex = r"\d+"
    queryset = Task.objects.none()
    serializer_class = TaskSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _task(self):
        return selectors.task_get(project=self.project(), number=self.kwargs["number"])

    def _task_response(self, task, code=status.HTTP_200_OK) -> Response:
        task = selectors.task_get(project=self.project(), number=task.number)
        return Response(TaskSerializer(task).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["todo", "in_progress", "review", "done"]),
            OpenApiParameter("assignee", int),
            OpenApiParameter("label", str),
        ],
        responses={200: TaskSerializer(many=True)},
    )
    def list(self, request, *args, **kwargs):
        filters = validated(TaskFilterSerializer, request.query_params)
        project = selectors.project_check_visible(project_id=self.kwargs["project_pk"], user=request.user)
        page = selectors.task_labels_of(self.paginate_queryset(selectors.task_rows(project=project, **filters)))
        return self.get_paginated_response([task_data(task) for task in page])

    @extend_schema(request=TaskWriteSerializer, responses={201: TaskSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(TaskWriteSerializer, request.data)
        if "assignee" in data:
            data["assignee_id"] = data.pop("assignee")
        task = services.task_create(project=self.project(), actor=request.user, **data)
        return self._task_response(task, status.HTTP_201_CREATED)

    @extend_schema(responses={200: TaskSerializer})
    def retrieve(self, request, *args, **kwargs):
        return Response(TaskSerializer(self._task()).data)

    @extend_schema(request=TaskWriteSerializer, responses={200: TaskSerializer})
    def partial_update(self, request, *args, **kwargs):
        task = self._task()
        data = validated(TaskWriteSerializer, request.data, partial=True)
        services.task_update(task=task, actor=request.user, data=data)
        return self._task_response(task)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        services.task_delete(task=self._task(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageTaskView(APIView):
    """rooms/{room_id}/messages/{message_id}/task/: turn a chat message into a task.

    Lives in projects (which may import rooms; rooms may not import projects). Room members only
    (a hidden room is 404); writing the task needs the developer role or above in the project (403).
    """

    permission_classes = [permissions.IsAuthenticated]
    write_rate_scope = "room-message.task"  # api/throttling.py: RATELIMIT_WRITES unless set per scope

    @extend_schema(
        request=MessageTaskSerializer,
        responses={201: TaskSerializer, 200: TaskSerializer},
        parameters=[
            OpenApiParameter("room_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("message_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        description="201 with the new task; 200 with the existing one when this message already is a task "
        "of that project.",
        tags=["rooms"],
    )
    def post(self, request, room_id=None, message_id=None, *args, **kwargs):
        data = validated(MessageTaskSerializer, request.data)
        task, created = services.task_from_message(
            actor=request.user,
            room_id=path_id(room_id),
            message_id=path_id(message_id),
            project_id=data.get("project"),
            title=data.get("title"),
        )
        task = selectors.task_get(project=task.project, number=task.number)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MyMatchesView(generics.ListAPIView):
    """Open public projects looking for members, best skill match first (formula: projects.selectors)."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ProjectMatchSerializer
    pagination_class = PagePagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        return selectors.project_matches_for(user=self.request.user)

    @extend_schema(tags=["projects"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _verify_signature(*, secret: str, body: bytes, header: str | None) -> None:
    if not header:
        raise DRFPermissionDenied("Missing X-Hub-Signature-256 header.")
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), header.strip().encode()):
        raise DRFPermissionDenied("Bad X-Hub-Signature-256 signature.")


def _payload(request) -> dict:
    """The JSON payload, sent as application/json or form-encoded `payload=` (GitHub offers both)."""
    body = request.body
    if request.content_type == "application/x-www-form-urlencoded":
        body = (parse_qs(body.decode("utf-8", "replace")).get("payload") or [""])[0]
    try:
        payload = loads_json(body)
    except ParseError as exc:
        raise ParseError(f"The payload is not valid JSON: {exc.detail}") from None
    if not isinstance(payload, dict):
        raise ParseError("The payload must be a JSON object.")
    return payload


def _repository_of(payload: dict) -> str | None:
    repository = payload.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    return name if isinstance(name, str) else None


def _push_commits(payload: dict) -> tuple[list[CommitData], str]:
    """The pushed commits and the branch they were pushed to ("" when the ref is not a branch)."""
    data = validated(PushPayloadSerializer, payload)
    ref = data.get("ref") or ""
    branch = ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""
    commits = [
        CommitData(
            sha=commit["id"],
            message=commit["message"],
            author_name=commit["author"].get("name") or "",
            author_email=commit["author"].get("email") or "",
            url=commit["url"],
            committed_at=commit["timestamp"],
        )
        for commit in data["commits"]
    ]
    return commits, branch


class GitHubWebhookView(APIView):
    """GitHub webhook of one project: verified by HMAC-SHA256 with the project's webhook secret.

    `ping` and `push` are processed (push = the same commit handling as a sync), other events are
    logged and ignored; a redelivered `X-GitHub-Delivery` is answered without doing anything again.
    A delivery about another repository than the project's `repo_url` is logged and ignored: 202.
    """

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    write_rate_limits = {"post": "RATELIMIT_WEBHOOK"}  # per address; GitHub delivers from few

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("X-Hub-Signature-256", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GitHub-Event", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-GitHub-Delivery", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={
            200: WebhookResultSerializer,
            202: OpenApiResponse(WebhookResultSerializer, description="Ignored: for another repository."),
            400: OpenApiResponse(description="Malformed payload or missing headers."),
            403: OpenApiResponse(description="Missing or bad signature."),
            404: OpenApiResponse(description="No such project."),
        },
        tags=["projects"],
    )
    def post(self, request, pk=None, *args, **kwargs):
        project = selectors.project_for_webhook(project_id=pk)
        _verify_signature(
            secret=project.webhook_secret, body=request.body, header=request.headers.get("X-Hub-Signature-256")
        )
        event = (request.headers.get("X-GitHub-Event") or "").strip()
        delivery_id = (request.headers.get("X-GitHub-Delivery") or "").strip()
        if not event or not delivery_id or len(delivery_id) > 100:
            raise ParseError("X-GitHub-Event and X-GitHub-Delivery (at most 100 characters) are required.")
        payload = _payload(request)
        foreign = services.webhook_foreign_repository(project=project, repository=_repository_of(payload))
        commits, branch = _push_commits(payload) if event == "push" and foreign is None else (None, "")
        delivery, fresh = services.webhook_delivery_record(
            project=project,
            delivery_id=delivery_id,
            event=event,
            commits=commits,
            branch=branch,
            ignore_reason=foreign,
        )
        result = "duplicate" if not fresh else delivery.outcome
        answer = status.HTTP_202_ACCEPTED if fresh and foreign else status.HTTP_200_OK
        return Response({"status": result, "event": delivery.event, "detail": delivery.detail}, status=answer)


# --- join requests ---------------------------------------------------------------------------


@extend_schema(parameters=[PROJECT_ID], tags=["projects"])
class ProjectJoinRequestViewSet(ProjectChildMixin, viewsets.GenericViewSet):
    """Asking to join a project: any signed-in non-member of a visible project; owner/maintainers decide."""

    lookup_value_regex = r"\d+"
    queryset = ProjectJoinRequest.objects.none()
    serializer_class = ProjectJoinRequestSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[ProjectJoinRequestFilterSerializer], responses={200: ProjectJoinRequestSerializer(many=True)}
    )
    def list(self, request, *args, **kwargs):
        filters = validated(ProjectJoinRequestFilterSerializer, request.query_params)
        requests = selectors.join_request_list(project=self.project(), viewer=request.user, **filters)
        page = self.paginate_queryset(requests)
        return self.get_paginated_response(ProjectJoinRequestSerializer(page, many=True).data)

    @extend_schema(request=ProjectJoinRequestWriteSerializer, responses={201: ProjectJoinRequestSerializer})
    def create(self, request, *args, **kwargs):
        data = validated(ProjectJoinRequestWriteSerializer, request.data)
        join_request = services.join_request_create(project=self.project(), user=request.user, **data)
        return Response(ProjectJoinRequestSerializer(join_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ProjectJoinRequestSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, *args, **kwargs):
        join_request = services.join_request_accept(project=self.project(), actor=request.user, request_id=path_id(pk))
        return Response(ProjectJoinRequestSerializer(join_request).data)

    @extend_schema(request=None, responses={200: ProjectJoinRequestSerializer})
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None, *args, **kwargs):
        join_request = services.join_request_decline(project=self.project(), actor=request.user, request_id=path_id(pk))
        return Response(ProjectJoinRequestSerializer(join_request).data)
