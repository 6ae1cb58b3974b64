from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from codenest.health import healthz, readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("api/", include("api.urls")),
]


def json_not_found(request, exception=None):
    """Unknown paths answer JSON like the rest of the API (HTML only under /admin/)."""
    return JsonResponse({"detail": "Not found."}, status=404)


handler404 = json_not_found
