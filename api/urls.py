"""Mounts every app's routes under /api/<version>/ plus the schema and docs.

Only codenest/urls.py imports this module. URLPathVersioning rejects unknown versions with 404.
"""

from django.urls import URLPattern, URLResolver, include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api.views import ApiRootView

versioned: list[URLPattern | URLResolver] = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("", include("users.urls")),
    path("", include("rooms.urls")),
    path("", include("posts.urls")),
    path("", include("projects.urls")),
    path("", include("events.urls")),
    path("", include("hackathons.urls")),
    path("", include("notifications.urls")),
    path("", include("gamification.urls")),
    path("", include("uploads.urls")),
]

urlpatterns = [
    re_path(r"^(?P<version>v[0-9]+)/", include(versioned)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's initialiser as a script file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="redoc"),
]
