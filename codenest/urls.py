from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from codenest.health import healthz, readyz
from codenest.media import serve_avatar
from uploads.views import upload_file

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/", include("api.urls")),
    # Files: uploads behind short-lived signed URLs, avatars under unguessable public names.
    path("media/uploads/<int:pk>/<str:name>", upload_file, name="upload-file"),
    path("media/avatars/<str:name>", serve_avatar, name="avatar-file"),
]


def json_not_found(request, exception=None):
    """Unknown paths answer JSON like the rest of the API (HTML only under /admin/)."""
    return JsonResponse({"detail": "Not found."}, status=404)


handler404 = json_not_found
