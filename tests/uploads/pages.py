"""A local web server for link-preview tests: serves pages, redirects, slow and huge answers."""

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARTICLE = b"""<!doctype html><html><head>
<meta charset="utf-8"><title>Fallback title</title>
<meta property="og:title" content="Django 5.2 released">
<meta property="og:description" content="What is new in  Django 5.2.">
<meta property="og:image" content="/static/cover.png">
<meta property="og:site_name" content="Django Weblog">
</head><body>hello</body></html>"""
TWITTER = b"""<html><head><meta name="twitter:title" content="A tweetable page">
<meta name="twitter:description" content="Short and sweet"></head></html>"""
TITLE_ONLY = b"<html><head><title>  Just a   title </title><meta name='description' content='Plain meta'></head></html>"


class Pages(BaseHTTPRequestHandler):
    routes: dict = {}
    hits: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.hits.append(self.path)
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        kind, value = route
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", value)
            self.end_headers()
        elif kind == "slow":
            time.sleep(value)
            self._page(ARTICLE)
        elif kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            head = b"<html><head><title>Huge</title></head><body>"
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(head + b"x" * value)
        else:
            self._page(value, content_type=kind)

    def _page(self, body: bytes, content_type="text/html; charset=utf-8"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PageServer:
    def __init__(self):
        handler = type("Handler", (Pages,), {"routes": {}, "hits": []})
        self.handler = handler
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def route(self, path: str, kind: str, value) -> str:
        self.handler.routes[path] = (kind, value)
        return self.base + path

    @property
    def hits(self) -> list:
        return self.handler.hits

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
