"""The ASGI guard answers 413 for an oversized upload before Django reads a byte of its body."""

import asyncio
import json

from codenest.media import UploadSizeLimitMiddleware


def run(middleware, scope, chunks):
    sent, app_calls, pending = [], [], list(chunks)

    async def receive():
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    async def main():
        await middleware(scope, receive, send)

    asyncio.run(main())
    return sent, app_calls


def make(settings, app_calls):
    async def app(scope, receive, send):
        app_calls.append(scope["path"])
        while True:
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        if message["type"] == "http.disconnect":
            return  # what Django's ASGIHandler does on RequestAborted: no response
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    return UploadSizeLimitMiddleware(app, {r"^/api/v[0-9]+/uploads/$": "UPLOAD_MAX_BYTES"}, slack=0)


def scope(path, length=None):
    headers = [(b"content-length", str(length).encode())] if length is not None else []
    return {"type": "http", "path": path, "headers": headers}


def test_declared_length_over_the_cap_never_reaches_django(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    calls = []
    sent, _ = run(make(settings, calls), scope("/api/v1/uploads/", 5000), [{"type": "http.request", "body": b"x"}])
    assert calls == []
    assert sent[0]["status"] == 413
    assert "1000" in json.loads(sent[1]["body"])["detail"]


def test_chunked_body_is_cut_off_at_the_cap(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    calls = []
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True} for _ in range(5)]
    sent, _ = run(make(settings, calls), scope("/api/v1/uploads/"), chunks)
    assert calls == ["/api/v1/uploads/"]
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]


def test_within_the_cap_and_other_paths_pass(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    calls = []
    ok = [{"type": "http.request", "body": b"x" * 500, "more_body": False}]
    sent, _ = run(make(settings, calls), scope("/api/v1/uploads/", 500), ok)
    assert sent[0]["status"] == 201
    big = [{"type": "http.request", "body": b"x" * 5000, "more_body": False}]
    sent, _ = run(make(settings, calls), scope("/api/v1/posts/", 5000), big)
    assert sent[0]["status"] == 201


def test_daphne_leaves_multipart_parsing_to_django():
    """Twisted would otherwise parse every multipart body in memory, several copies at once."""
    from unittest import mock

    from daphne.http_protocol import WebRequest

    import codenest.asgi  # noqa: F401  (applies the setting to daphne's request class)

    request = WebRequest(mock.MagicMock())
    assert request._parsePOSTFormSubmission is False
