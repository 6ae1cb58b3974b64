"""Deprecation (RFC 9745), Sunset (RFC 8594) and successor Link headers for deprecated API versions.

A version is marked deprecated in settings (API_DEPRECATIONS, from the environment as JSON):

    API_DEPRECATIONS='{"v1": {"deprecation": "2026-12-01T00:00:00Z", "sunset": "2027-06-30T00:00:00Z",
                             "successor": "/api/v2/", "info": "https://codenest.dev/changelog#v2"}}'

Every answer under /api/<version>/ then carries
    Deprecation: @1796083200
    Sunset: Wed, 30 Jun 2027 00:00:00 GMT
    Link: <https://host/api/v2/>; rel="successor-version", <https://codenest.dev/changelog#v2>; rel="deprecation"
`deprecation` is required; `sunset`, `successor` and `info` are optional. The schema marks the
version's operations `deprecated` (api/schema.py).
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.http import http_date

VERSIONED_PATH = re.compile(r"^/api/(?P<version>v[0-9]+)/")


@dataclass(frozen=True)
class Deprecation:
    deprecated_at: int  # unix seconds
    sunset_at: int | None
    successor: str
    info: str


def _timestamp(version: str, key: str, value) -> int:
    when = parse_datetime(str(value)) or (
        datetime.combine(parse_date(str(value)), datetime.min.time()) if parse_date(str(value)) else None  # type: ignore[arg-type]  # parse_date() is checked by the condition
    )
    if when is None:
        raise ImproperlyConfigured(f"API_DEPRECATIONS[{version!r}][{key!r}] is not an ISO 8601 date: {value!r}")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp())


def parse_deprecations(config: dict) -> dict[str, Deprecation]:
    parsed = {}
    for version, entry in (config or {}).items():
        if not isinstance(entry, dict) or "deprecation" not in entry:
            raise ImproperlyConfigured(f"API_DEPRECATIONS[{version!r}] needs at least a 'deprecation' date")
        parsed[version] = Deprecation(
            deprecated_at=_timestamp(version, "deprecation", entry["deprecation"]),
            sunset_at=_timestamp(version, "sunset", entry["sunset"]) if entry.get("sunset") else None,
            successor=entry.get("successor") or "",
            info=entry.get("info") or "",
        )
    return parsed


class DeprecationHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._config = getattr(settings, "API_DEPRECATIONS", {})
        self._deprecations = parse_deprecations(self._config)  # a bad setting fails at startup

    def deprecations(self) -> dict[str, Deprecation]:
        config = getattr(settings, "API_DEPRECATIONS", {})
        if config is not self._config:  # settings changed (tests): parse again
            self._config, self._deprecations = config, parse_deprecations(config)
        return self._deprecations

    def __call__(self, request):
        response = self.get_response(request)
        deprecations = self.deprecations()
        if not deprecations:
            return response
        match = VERSIONED_PATH.match(request.path_info)
        deprecation = deprecations.get(match["version"]) if match else None
        if deprecation is not None:
            self._annotate(request, response, deprecation)
        return response

    @staticmethod
    def _annotate(request, response, deprecation: Deprecation) -> None:
        response["Deprecation"] = f"@{deprecation.deprecated_at}"
        if deprecation.sunset_at is not None:
            response["Sunset"] = http_date(deprecation.sunset_at)
        links = [response["Link"]] if response.has_header("Link") else []
        if deprecation.successor:
            links.append(f'<{request.build_absolute_uri(deprecation.successor)}>; rel="successor-version"')
        if deprecation.info:
            links.append(f'<{request.build_absolute_uri(deprecation.info)}>; rel="deprecation"')
        if links:
            response["Link"] = ", ".join(links)
