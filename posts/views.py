from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from api.params import path_id
from api.ratelimit import enforce_rate_limit
from api.serializers import id_field
from posts import selectors, services
from posts.models import Comment, Post
from posts.pagination import KeysetCursorPagination, ThreadPagination, encode_cursor
from posts.serializers import (
    CommentCreateSerializer,
    CommentSerializer,
    CommentUpdateSerializer,
    PostCreateSerializer,
    PostDetailSerializer,
    PostSerializer,
    PostUpdateSerializer,
    ReportCreateSerializer,
    ReportSerializer,
    VoteSerializer,
    comment_data,
    post_data,
)
from rooms.selectors import message_get, room_get_for_user


class FeedQuerySerializer(serializers.Serializer):
    ordering = serializers.ChoiceField(choices=["new", "hot", "top", "relevance"], required=False)
    period = serializers.ChoiceField(choices=list(selectors.TOP_PERIODS), required=False, default="all")
    room = id_field(required=False)
    author = serializers.CharField(max_length=30, required=False)
    tag = serializers.CharField(max_length=30, required=False)
    search = serializers.CharField(max_length=200, required=False)

    def validate(self, attrs):
        # A search is ranked by relevance unless another order is asked for.
        attrs.setdefault("ordering", "relevance" if attrs.get("search") else "new")
        if attrs["ordering"] == "relevance" and not attrs.get("search"):
            attrs["ordering"] = "new"
        return attrs


FEED_PARAMETERS = [
    OpenApiParameter("ordering", str, enum=["new", "hot", "top", "relevance"], description="default new"),
    OpenApiParameter("period", str, enum=list(selectors.TOP_PERIODS), description="for ordering=top"),
    OpenApiParameter("room", int),
    OpenApiParameter("author", str, description="user id or handle"),
    OpenApiParameter("tag", str),
    OpenApiParameter("search", str, description="full-text on PostgreSQL (title and content)"),
]


class ReadOpenWriteAuthenticatedMixin:
    lookup_value_regex = r"\d+"

    def get_permissions(self):
        if self.request.method in permissions.SAFE_METHODS:
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]


@extend_schema_view(
    list=extend_schema(parameters=FEED_PARAMETERS, responses={200: PostSerializer(many=True)}),
)
class PostViewSet(ReadOpenWriteAuthenticatedMixin, viewsets.GenericViewSet):
    serializer_class = PostSerializer
    pagination_class = KeysetCursorPagination
    write_rate_limits = {"create": None}  # counted in create() with RATELIMIT_POSTS (api/throttling.py)
    queryset = Post.objects.none()  # for the schema's path parameter types; reads go through selectors

    def _visible_post(self, pk) -> object:
        return selectors.post_get_visible(post_id=path_id(pk), user=self.request.user)

    def list(self, request, *args, **kwargs):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        ordering = params.pop("ordering")
        filters = selectors.feed_filters(ordering=ordering, room_id=params.pop("room", None), **params)
        paginator = self.paginator
        paginator.ordering = selectors.post_feed_ordering(ordering)

        def read(page):
            return selectors.post_feed_page(user=request.user, ordering=ordering, filters=filters, page=page)

        page = selectors.post_page_related(paginator.paginate_rows(read, request))
        return self.get_paginated_response([post_data(post) for post in page])

    @extend_schema(request=PostCreateSerializer, responses={201: PostSerializer})
    def create(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="posts.create", rate=settings.RATELIMIT_POSTS, per="user")
        data = PostCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        post = services.post_create(author=request.user, **data.validated_data)
        post = selectors.post_get_visible(post_id=post.pk, user=request.user)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: PostDetailSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        post = self._visible_post(pk)
        comments = selectors.comment_list_for_post(post=post, user=request.user).order_by("path")
        size = ThreadPagination.page_size
        first = list(comments[: size + 1])
        post.first_comments = first[:size]
        post.comments_next_link = None
        if len(first) > size:
            # The comments list's own second page: its URL in the request's version, its cursor param.
            url = reverse("post-comments", kwargs={"pk": post.pk}, request=request)
            cursor = encode_cursor([first[size - 1].path])
            post.comments_next_link = replace_query_param(url, ThreadPagination.cursor_query_param, cursor)
        return Response(PostDetailSerializer(post).data)

    @extend_schema(request=PostUpdateSerializer, responses={200: PostSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        post = self._visible_post(pk)
        data = PostUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.post_update(post=post, editor=request.user, data=data.validated_data)
        return Response(PostSerializer(self._visible_post(pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None, *args, **kwargs):
        services.post_delete(post=self._visible_post(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: CommentSerializer(many=True)},
    )
    @extend_schema(methods=["POST"], request=CommentCreateSerializer, responses={201: CommentSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=ThreadPagination)
    def comments(self, request, pk=None, *args, **kwargs):
        if request.method == "POST":
            post = self._visible_post(pk)
            data = CommentCreateSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            comment = services.comment_create(post=post, author=request.user, **data.validated_data)
            comment = selectors.comment_get_visible(comment_id=comment.pk, user=request.user)
            return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

        post = selectors.post_check_visible(post_id=path_id(pk), user=request.user)

        def read(page):
            return selectors.comment_thread_page(post=post, user=request.user, page=page)

        page = self.paginator.paginate_rows(read, request)
        return self.get_paginated_response([comment_data(comment) for comment in page])

    def _vote(self, request, pk, value: int) -> Response:
        post = self._visible_post(pk)
        services.vote_cast(voter=request.user, target=post, value=value)  # type: ignore[arg-type]  # _visible_post() returns a Post
        return Response(PostSerializer(self._visible_post(pk)).data)

    @extend_schema(request=VoteSerializer, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None, *args, **kwargs):
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._vote(request, pk, data.validated_data["value"])

    @extend_schema(request=None, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def upvote(self, request, pk=None, *args, **kwargs):
        return self._vote(request, pk, 1)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None, *args, **kwargs):
        post = self._visible_post(pk)
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create_for_post(reporter=request.user, post=post, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class CommentViewSet(ReadOpenWriteAuthenticatedMixin, viewsets.GenericViewSet):
    serializer_class = CommentSerializer
    pagination_class = None
    queryset = Comment.objects.none()

    def _visible_comment(self, pk):
        return selectors.comment_get_visible(comment_id=path_id(pk), user=self.request.user)

    @extend_schema(responses={200: CommentSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        return Response(CommentSerializer(self._visible_comment(pk)).data)

    @extend_schema(request=CommentUpdateSerializer, responses={200: CommentSerializer})
    def partial_update(self, request, pk=None, *args, **kwargs):
        comment = self._visible_comment(pk)
        data = CommentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_update(comment=comment, editor=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None, *args, **kwargs):
        services.comment_delete(comment=self._visible_comment(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=VoteSerializer, responses={200: CommentSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None, *args, **kwargs):
        comment = self._visible_comment(pk)
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.vote_cast(voter=request.user, target=comment, value=data.validated_data["value"])
        return Response(CommentSerializer(self._visible_comment(pk)).data)

    @extend_schema(request=ReportCreateSerializer, responses={201: ReportSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None, *args, **kwargs):
        comment = self._visible_comment(pk)
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create_for_comment(reporter=request.user, comment=comment, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class FeedView(APIView):
    """Posts by the people I follow and from the rooms I belong to, newest first."""

    permission_classes = [permissions.IsAuthenticated]
    pagination_class = KeysetCursorPagination

    @extend_schema(
        parameters=[OpenApiParameter("cursor", str), OpenApiParameter("page_size", int)],
        responses={200: PostSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        paginator = KeysetCursorPagination()
        page = paginator.paginate_queryset(selectors.personal_feed(user=request.user), request, view=self)
        selectors.post_page_related(page)
        return paginator.get_paginated_response([post_data(post) for post in page])


class MessageReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ReportCreateSerializer,
        responses={201: ReportSerializer},
        parameters=[
            OpenApiParameter("room_id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("message_id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
    )
    def post(self, request, room_id: str, message_id: str, *args, **kwargs):
        room = room_get_for_user(room_id=path_id(room_id), user=request.user)
        message = message_get(room=room, message_id=path_id(message_id))
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_create_for_message(reporter=request.user, message=message, **data.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)
