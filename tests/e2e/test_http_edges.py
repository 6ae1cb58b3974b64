"""Hostile HTTP bodies through a real daphne process (issue 9): every answer is a JSON error from the
application, never a bare server-level reply (Twisted used to answer a malformed multipart POST with
an empty "400 Bad Request" before Django saw it)."""

import json
import urllib.error
import urllib.request

import pytest

from tests.conftest import access_token_for
from tests.factories import UserFactory
from tests.live import daphne_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def post(url: str, body: bytes, content_type: str, token: str | None = None) -> tuple[int, str, bytes]:
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def test_hostile_bodies_get_json_errors_from_the_app(tmp_path):
    token = access_token_for(UserFactory())
    with daphne_server(tmp_path) as server:
        api = f"{server.http_url}/api/v1"
        boundary = "c637e12e2b1a998d80d1b087531af51c"
        cases = [
            # a multipart body with no parts: Twisted's own parser refused it with an empty 400
            (f"{api}/uploads/", f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}", 400),
            (f"{api}/uploads/", b"garbage", "multipart/form-data; boundary=nothing-like-it", 400),
            (f"{api}/auth/login/", ("[" * 10_000 + "]" * 10_000).encode(), "application/json", 400),
            (f"{api}/auth/login/", json.dumps({"email": "x" * 3_000_000}).encode(), "application/json", 413),
        ]
        for url, body, content_type, expected in cases:
            status, answered_type, answer = post(url, body, content_type, token)
            assert (status, answered_type) == (expected, "application/json"), (url, content_type, status, answer[:200])
            assert "detail" in json.loads(answer) or json.loads(answer), answer[:200]
        assert "Traceback" not in server.log()
