"""Project-wide middleware."""

from codenest.urls import json_not_found


class JsonNotFoundMiddleware:
    """Unknown paths answer JSON 404 under DEBUG too.

    In production handler404 (codenest/urls.py) answers unknown paths with JSON; under DEBUG Django
    bypasses it for its HTML debug page, so a client developer saw a different body than production
    sends. A path no URL pattern matched leaves request.resolver_match unset: only those answers are
    replaced, never a 404 from a view (DRF's, or the admin's).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return json_not_found(request)
        return response
