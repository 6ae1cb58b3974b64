"""The API's front door: /api/v1/ lists the top-level collections and where the docs are."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

COLLECTIONS = [
    "auth/login/", "auth/register/", "users/me/", "skills/", "rooms/", "posts/", "feed/", "projects/",
    "events/", "notifications/", "badges/", "achievements/", "leaderboard/", "hackathons/",
]  # fmt: skip


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        base = request.build_absolute_uri(f"/api/{request.version}/")
        return Response(
            {
                "version": request.version,
                "docs": request.build_absolute_uri("/api/docs/"),
                "schema": request.build_absolute_uri("/api/schema/"),
                "endpoints": {path.rstrip("/"): f"{base}{path}" for path in COLLECTIONS},
            }
        )
