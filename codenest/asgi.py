"""HTTP and WebSocket entry point (daphne codenest.asgi:application)."""

import os

from django.core.asgi import get_asgi_application
from django.urls import re_path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from codenest.startup import require_secret_key  # noqa: E402

require_secret_key()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402


def _daphne_requests_leave_bodies_alone() -> None:
    """Construct daphne's Twisted requests with parsePOSTFormSubmission=False (Twisted's own option).

    By default Twisted parses every multipart/form-data POST in memory on the reactor thread to fill
    `request.args`, which daphne never reads (the app gets the raw body), and answers a malformed one
    with a bare "400 Bad Request" that never reaches Django: no JSON error, no log line. It also
    held ~13 copies of the body at once: a 20 MiB upload peaked at +260 MiB RSS (bench/uploads.py).
    """
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # pragma: no cover - served by another ASGI server
        return
    if getattr(WebRequest.__init__, "leaves_bodies_alone", False):
        return
    original_init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        original_init(self, *args, **kwargs)

    __init__.leaves_bodies_alone = True  # type: ignore[attr-defined]  # a marker attribute on the function
    WebRequest.__init__ = __init__


_daphne_requests_leave_bodies_alone()

from codenest.media import UploadSizeLimitMiddleware  # noqa: E402
from codenest.routing import websocket_urlpatterns  # noqa: E402
from codenest.sockets import UnknownSocketConsumer, forward_close_reasons_in_daphne  # noqa: E402
from codenest.ws_auth import JWTAuthMiddleware  # noqa: E402

forward_close_reasons_in_daphne()
# Unknown paths reach a consumer that closes with 4404 instead of URLRouter's "No route found" (HTTP 500).
unknown_socket = re_path(r"", UnknownSocketConsumer.as_asgi())

# No Origin check: sockets authenticate with a JWT in the query string, not with cookies, so a
# foreign page cannot ride on a user's session; non-browser clients send no Origin at all.
application = ProtocolTypeRouter(
    {
        # Oversized uploads are refused by their declared length before Django reads the body.
        "http": UploadSizeLimitMiddleware(
            django_asgi_app,
            {r"^/api/v[0-9]+/uploads/$": "UPLOAD_MAX_BYTES", r"^/api/v[0-9]+/users/me/avatar/$": "AVATAR_MAX_BYTES"},
        ),
        "websocket": JWTAuthMiddleware(URLRouter([*websocket_urlpatterns, unknown_socket])),
    }
)
