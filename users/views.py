import hashlib
import json

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView, TokenVerifyView

from api.exceptions import RateLimited
from api.params import search_param
from api.permissions import IsStaff
from api.ratelimit import check_rate_limit, enforce_rate_limit
from users import selectors, services
from users.models import Proficiency, User
from users.serializers import (
    AuthResponseSerializer,
    BlockSerializer,
    EmailVerifiedSerializer,
    EmailVerifySerializer,
    EraseSerializer,
    GitHubAuthorizeQuerySerializer,
    GitHubAuthorizeSerializer,
    GitHubLoginResponseSerializer,
    GitHubLoginSerializer,
    LogoutSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    PeopleQuerySerializer,
    PersonSerializer,
    ProfileUpdateSerializer,
    PublicProfileSerializer,
    RegisterSerializer,
    SkillSerializer,
    StaffUserSerializer,
    TokenPairSerializer,
    UserSkillSerializer,
    UserSummarySerializer,
    skills_field,
)


def _tokens_for(user) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: AuthResponseSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.register", rate=settings.RATELIMIT_AUTH)
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        body = {"user": MeSerializer(user).data, **_tokens_for(user)}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(TokenObtainPairView):
    """E-mail + password → access and refresh tokens. 401 on bad credentials."""

    @extend_schema(responses={200: TokenPairSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.login", rate=settings.RATELIMIT_AUTH)
        return super().post(request, *args, **kwargs)


class RefreshView(TokenRefreshView):
    """Rotates: the answer carries a new refresh token and the old one is blacklisted."""

    @extend_schema(responses={200: TokenPairSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenVerifyAliasView(TokenVerifyView):
    """200 {} when the token (access or refresh) is valid, 401 otherwise."""

    @extend_schema(tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.token-verify", rate=settings.RATELIMIT_TOKEN_VERIFY)
        return super().post(request, *args, **kwargs)


class LogoutView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=LogoutSerializer, responses={205: None}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        data = LogoutSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            RefreshToken(data.validated_data["refresh"]).blacklist()
        except TokenError as exc:
            raise InvalidToken({"refresh": [str(exc)]}) from exc
        return Response(status=status.HTTP_205_RESET_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={204: None}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        data = PasswordChangeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


# Reads that are rate limited answer 429 too (api/schema.py documents it for writes by itself).
READ_RATE_LIMITED = OpenApiResponse(description="Rate limited: retry after the given number of seconds.")
GITHUB_UNAVAILABLE = OpenApiResponse(
    response=inline_serializer("GitHubUnavailable", {"detail": serializers.CharField()}),
    description="GitHub could not be reached.",
)


def _address_ident(email: str) -> str:
    """Rate-limit key for an e-mail address: a digest, so the cache never holds addresses."""
    return "email:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


class PasswordResetView(APIView):
    """Always 202 and the same work whether or not the address has an account (no enumeration)."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(request=PasswordResetSerializer, responses={202: None}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.password-reset", rate=settings.RATELIMIT_AUTH)
        data = PasswordResetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"]
        wait = check_rate_limit(
            group="auth.password-reset.address", ident=_address_ident(email), rate=settings.RATELIMIT_PASSWORD_RESET
        )
        if wait is not None:
            raise RateLimited(wait=wait)
        services.password_reset_request(email=email)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=PasswordResetConfirmSerializer, responses={204: None}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.password-reset-confirm", rate=settings.RATELIMIT_AUTH)
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerifyView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=EmailVerifySerializer, responses={200: EmailVerifiedSerializer}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.email-verify", rate=settings.RATELIMIT_AUTH)
        data = EmailVerifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_verify(key=data.validated_data["key"])
        return Response({"email_verified": user.email_verified})


class EmailResendView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={202: None}, tags=["auth"])
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.email-resend", rate=settings.RATELIMIT_EMAIL_RESEND, per="user")
        services.email_verification_resend(user=request.user)
        return Response(status=status.HTTP_202_ACCEPTED)


class GitHubLoginView(APIView):
    """GET: where to send the browser; POST: the code GitHub sent back → our tokens.

    A signed-in caller's POST links the GitHub account to them instead of signing in someone else.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("redirect_uri", str, required=True)],
        responses={200: GitHubAuthorizeSerializer, 429: READ_RATE_LIMITED},
        tags=["auth"],
    )
    def get(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.github", rate=settings.RATELIMIT_AUTH)
        query = GitHubAuthorizeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(services.github_authorize(redirect_uri=query.validated_data["redirect_uri"]))

    @extend_schema(
        request=GitHubLoginSerializer,
        responses={200: GitHubLoginResponseSerializer, 503: GITHUB_UNAVAILABLE},
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="auth.github", rate=settings.RATELIMIT_AUTH)
        data = GitHubLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        caller = request.user if request.user.is_authenticated else None
        user, created = services.github_login(**data.validated_data, user=caller)
        me = selectors.user_list().get(pk=user.pk)
        return Response({"user": MeSerializer(me).data, **_tokens_for(user), "created": created})


class GitHubUnlinkView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["auth"])
    def delete(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="users.account", rate=settings.RATELIMIT_ACCOUNT, per="user")
        services.github_unlink(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PeopleView(GenericAPIView):
    """The people directory: public profiles, best skill match first, then karma."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = PersonSerializer
    queryset = User.objects.none()

    @extend_schema(
        parameters=[
            OpenApiParameter("skill", str, many=True, description="repeatable: all of them"),
            OpenApiParameter("min_proficiency", str, enum=[level for level, _ in Proficiency.choices]),
            OpenApiParameter("looking_to_collaborate", bool),
            OpenApiParameter("hire_me", bool),
            OpenApiParameter("search", str, description="handle, name or bio"),
        ],
        responses={200: PersonSerializer(many=True), 429: READ_RATE_LIMITED},
        tags=["users"],
    )
    def get(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="users.people", rate=settings.RATELIMIT_PEOPLE, per="user")
        params = {key: request.query_params.get(key) for key in request.query_params if key != "skill"}
        if "skill" in request.query_params:
            params["skill"] = request.query_params.getlist("skill")
        query = PeopleQuerySerializer(data=params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        people = selectors.people_directory(
            viewer=request.user,
            skills=[services.normalize_skill_name(name) for name in filters.get("skill", [])],
            min_proficiency=filters.get("min_proficiency"),
            looking_to_collaborate=filters.get("looking_to_collaborate"),
            hire_me=filters.get("hire_me"),
            search=(filters.get("search") or "").strip() or None,
        )
        page = self.paginate_queryset(people)
        return self.get_paginated_response(PersonSerializer(page, many=True).data)


class SkillsReplaceSerializer(serializers.Serializer):
    skills = skills_field()


class UserViewSet(viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"
    queryset = User.objects.none()  # reads go through users.selectors; this names the model for the schema
    serializer_class = PublicProfileSerializer

    def get_permissions(self):
        if self.action == "list":
            return [IsStaff()]
        if self.action in {"me", "update_me", "replace_my_skills", "follow", "block", "my_blocks", "export"}:
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    @extend_schema(parameters=[OpenApiParameter("search", str)], responses={200: StaffUserSerializer(many=True)})
    def list(self, request, *args, **kwargs):
        users = selectors.user_list(search=search_param(request))
        page = self.paginate_queryset(users)
        return self.get_paginated_response(StaffUserSerializer(page, many=True).data)

    @extend_schema(responses={200: PublicProfileSerializer})
    def retrieve(self, request, pk=None, *args, **kwargs):
        user = selectors.user_get_profile(user_id=int(pk), viewer=request.user)
        return Response(PublicProfileSerializer(user).data)

    def _me_response(self, user):
        user = selectors.user_list().get(pk=user.pk)
        return Response(MeSerializer(user).data)

    def _update_me(self, request):
        # Every field is optional already; partial=True would also relax the nested skill items.
        data = ProfileUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_update_profile(user=request.user, data=data.validated_data)
        return self._me_response(request.user)

    @extend_schema(methods=["GET"], responses={200: MeSerializer})
    @extend_schema(methods=["PATCH"], request=ProfileUpdateSerializer, responses={200: MeSerializer})
    @extend_schema(methods=["DELETE"], request=EraseSerializer, responses={204: None, 503: GITHUB_UNAVAILABLE})
    @action(detail=False, methods=["get", "patch", "delete"], url_path="me")
    def me(self, request, *args, **kwargs):
        if request.method == "PATCH":
            return self._update_me(request)
        if request.method == "DELETE":
            return self._erase_me(request)
        return self._me_response(request.user)

    def _erase_me(self, request):
        """Erase my account: my password, or for a password-less account a fresh GitHub code + state."""
        enforce_rate_limit(request, group="users.account", rate=settings.RATELIMIT_ACCOUNT, per="user")
        data = EraseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_erase(
            user=request.user,
            password=data.validated_data.get("password"),
            github_code=data.validated_data.get("github_code"),
            github_state=data.validated_data.get("state"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT, 429: READ_RATE_LIMITED})
    @action(detail=False, methods=["get"], url_path="me/export", pagination_class=None)
    def export(self, request, *args, **kwargs):
        """Everything CodeNest holds about me, as a JSON file download."""
        enforce_rate_limit(request, group="users.account", rate=settings.RATELIMIT_ACCOUNT, per="user")
        body = json.dumps(selectors.user_export(user=request.user), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
        filename = f"codenest-{request.user.handle}-{timezone.now():%Y%m%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @extend_schema(request=ProfileUpdateSerializer, responses={200: MeSerializer})
    @action(detail=False, methods=["patch"], url_path="update")
    def update_me(self, request, *args, **kwargs):
        return self._update_me(request)

    @extend_schema(request=UserSkillSerializer(many=True), responses={200: UserSkillSerializer(many=True)})
    @action(detail=False, methods=["put"], url_path="me/skills", pagination_class=None)
    def replace_my_skills(self, request, *args, **kwargs):
        data = SkillsReplaceSerializer(data={"skills": request.data})
        data.is_valid(raise_exception=True)
        services.user_set_skills(user=request.user, skills=data.validated_data["skills"])
        skills = selectors.user_skills(user=request.user)
        return Response(UserSkillSerializer(skills, many=True).data)

    @extend_schema(responses={200: UserSkillSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def skills(self, request, pk=None, *args, **kwargs):
        user = selectors.user_get_active(user_id=int(pk))
        return Response(UserSkillSerializer(selectors.user_skills(user=user), many=True).data)

    @extend_schema(request=None, responses={200: PublicProfileSerializer, 204: None})
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request, pk=None, *args, **kwargs):
        followee = selectors.user_get_active(user_id=int(pk))
        if request.method == "DELETE":
            services.follow_delete(follower=request.user, followee=followee)
            return Response(status=status.HTTP_204_NO_CONTENT)
        services.follow_create(follower=request.user, followee=followee)
        profile = selectors.user_get_profile(user_id=followee.pk, viewer=request.user)
        return Response(PublicProfileSerializer(profile).data)

    @extend_schema(responses={200: UserSummarySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def followers(self, request, pk=None, *args, **kwargs):
        user = selectors.user_get_active(user_id=int(pk))
        page = self.paginate_queryset(selectors.followers_of(user=user))
        return self.get_paginated_response(UserSummarySerializer(page, many=True).data)

    @extend_schema(responses={200: UserSummarySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def following(self, request, pk=None, *args, **kwargs):
        user = selectors.user_get_active(user_id=int(pk))
        page = self.paginate_queryset(selectors.followed_by(user=user))
        return self.get_paginated_response(UserSummarySerializer(page, many=True).data)

    @extend_schema(methods=["POST"], request=None, responses={200: BlockSerializer, 201: BlockSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def block(self, request, pk=None, *args, **kwargs):
        """Block (idempotent: 201 new, 200 already) or unblock (204). Ends follows both ways."""
        enforce_rate_limit(request, group="users.block", rate=settings.RATELIMIT_BLOCKS, per="user")
        other = selectors.user_get_active(user_id=int(pk))
        if request.method == "DELETE":
            services.block_delete(blocker=request.user, blocked=other)
            return Response(status=status.HTTP_204_NO_CONTENT)
        block, created = services.block_create(blocker=request.user, blocked=other)
        return Response(BlockSerializer(block).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(responses={200: BlockSerializer(many=True), 429: READ_RATE_LIMITED})
    @action(detail=False, methods=["get"], url_path="me/blocks")
    def my_blocks(self, request, *args, **kwargs):
        enforce_rate_limit(request, group="users.blocks", rate=settings.RATELIMIT_PEOPLE, per="user")
        page = self.paginate_queryset(selectors.blocks_made_by(user=request.user))
        return self.get_paginated_response(BlockSerializer(page, many=True).data)


class SkillViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = SkillSerializer
    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("search", str)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.skill_list(search=search_param(self.request))
