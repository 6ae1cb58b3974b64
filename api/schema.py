"""OpenAPI generation that documents every error an operation can answer, with its body.

drf-spectacular documents the success answers a view declares; the errors come from layers every
view shares (authentication, permissions, parsers, the write throttle, the exception handler).
This AutoSchema (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds them to every operation from what
the operation is, so a new endpoint is documented without any work:

| status | when it is documented | body |
|---|---|---|
| 400 | writes; reads that take query parameters | `ValidationError`: `{"field": ["message"]}` (or a list) |
| 401 | views that authenticate (invalid or expired token; bad login credentials) | `Error` + `WWW-Authenticate` |
| 403 | writes; reads guarded by more than AllowAny | `Error` (`code` e.g. `email_unverified`) |
| 404 | operations with path parameters or query filters (private objects answer 404) | `Error` |
| 409 | writes (a concurrent write won a unique constraint) | `Error` |
| 413 | writes (request body over DATA_UPLOAD_MAX_MEMORY_SIZE) | `Error` |
| 415 | writes with a request body (unsupported Content-Type) | `Error` |
| 429 | writes (api/throttling.py) | `RateLimited` + `Retry-After` |

A status the view declares itself keeps its description; a declaration without a body gets the
error body. Versions marked deprecated in API_DEPRECATIONS have their operations marked
`deprecated`.

Chosen over drf-standardized-errors: that library documents (and answers with) its own error
format, which would change the bodies the API promises (`{"detail": ...}`, `{"field": [...]}`).
"""

from django.conf import settings
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.views import APIView

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "An error other than invalid input: `detail` says what went wrong.",
        "properties": {
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "machine-readable reason, when there is one"},
        },
        "required": ["detail"],
    },
    "ValidationError": {
        "description": (
            "Invalid input: an object mapping each offending field (or `non_field_errors`, or `detail` "
            'for an unreadable body) to its messages, e.g. `{"email": ["Enter a valid email address."]}`; '
            "nested fields nest the same way. A list when the request body is a list."
        ),
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "array", "items": {}}],
    },
    "RateLimited": {
        "type": "object",
        "description": "Too many requests: wait `retry_after` seconds (also in the Retry-After header).",
        "properties": {"detail": {"type": "string"}, "retry_after": {"type": "integer", "minimum": 1}},
        "required": ["detail", "retry_after"],
    },
}

DESCRIPTIONS = {
    400: "Invalid input.",
    401: "Missing, invalid or expired credentials.",
    403: "Not allowed to do this.",
    404: "Not found (or not visible to the caller).",
    405: "Method not allowed.",
    409: "Conflicts with the current state (a concurrent change).",
    413: "Request body too large.",
    415: "Unsupported media type (send application/json).",
    429: "Rate limited: retry after the given number of seconds.",
}

RETRY_AFTER_HEADER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
WWW_AUTHENTICATE_HEADER = {
    "WWW-Authenticate": {"description": "The expected scheme (Bearer).", "schema": {"type": "string"}}
}


def deprecated_versions() -> set[str]:
    return set((getattr(settings, "API_DEPRECATIONS", None) or {}).keys())


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        declared = [int(code) for code in responses if code.isdigit() and int(code) in DESCRIPTIONS]
        for status_code in sorted(set(self.error_statuses(operation)) | set(declared)):
            self._document_error(responses, status_code)
        return operation

    def is_deprecated(self) -> bool:
        request = getattr(self.view, "request", None)
        version = getattr(request, "version", None)
        return super().is_deprecated() or (version is not None and version in deprecated_versions())

    def error_statuses(self, operation: dict) -> list[int]:
        """The error statuses this operation can answer, from what it is (see the module docstring)."""
        write = self.method not in SAFE_METHODS
        parameters = operation.get("parameters", [])
        path_params = [p for p in parameters if p.get("in") == "path" and p.get("name") != "version"]
        query_params = [p for p in parameters if p.get("in") == "query"]
        permissions: list = getattr(self.view, "get_permissions", list)()
        guarded = any(not isinstance(permission, AllowAny) for permission in permissions)
        # 401 needs an authentication scheme to name: the view's authenticators, or a view that names
        # one itself (simplejwt's login and refresh answer 401 on bad credentials without any).
        authenticates = bool(getattr(self.view, "get_authenticators", list)()) or (
            type(self.view).get_authenticate_header is not APIView.get_authenticate_header
        )

        statuses = []
        if write or query_params:
            statuses.append(400)
        if authenticates:
            statuses.append(401)
        if write or guarded:
            statuses.append(403)
        if path_params or query_params:
            statuses.append(404)
        if write:
            statuses += [409, 413]
            if "requestBody" in operation:
                statuses.append(415)
            statuses.append(429)
        return statuses

    def _error_ref(self, name: str) -> dict:
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, object=f"api.schema.{name}", schema=ERROR_SCHEMAS[name]
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _document_error(self, responses: dict, status_code: int) -> None:
        key = str(status_code)
        name = {400: "ValidationError", 429: "RateLimited"}.get(status_code, "Error")
        response = responses.setdefault(key, {"description": DESCRIPTIONS[status_code]})
        if not response.get("content") and "$ref" not in response:
            response["content"] = {"application/json": {"schema": self._error_ref(name)}}
        if status_code == 429:
            response.setdefault("headers", {}).update(RETRY_AFTER_HEADER)
        if status_code == 401:
            response.setdefault("headers", {}).update(WWW_AUTHENTICATE_HEADER)
