"""The documentation the project owns stays complete: every socket is documented, README links the
protocol page, and nothing points at documents that live outside the repository."""

import re
from pathlib import Path

from codenest.routing import websocket_urlpatterns

ROOT = Path(__file__).resolve().parent.parent
WEBSOCKET_DOCS = ROOT / "docs" / "websockets.md"
OUTSIDE_DOCUMENTS = re.compile(r"\b(API|DESIGN|GUIDE|PROTOCOL)\.md\b")


def socket_prefix(pattern) -> str:
    """The literal start of a route: `^ws/rooms/(?P<room_id>\\d+)/?$` → `/ws/rooms/`."""
    literal = re.split(r"[(\[\\?$]", str(pattern.pattern).lstrip("^"), maxsplit=1)[0]
    return "/" + literal


def test_every_socket_is_documented():
    docs = WEBSOCKET_DOCS.read_text()
    for route in websocket_urlpatterns:
        assert f"`{socket_prefix(route)}" in docs, f"{socket_prefix(route)} is missing from docs/websockets.md"


def test_every_close_code_in_use_is_documented():
    docs = WEBSOCKET_DOCS.read_text()
    for path in ROOT.glob("*/consumers.py"):
        for code in set(re.findall(r"\b(44\d{2})\b", path.read_text())):  # application close codes
            assert f"| {code} |" in docs, (path, code)
    from codenest import sockets

    for name in ("CLOSE_UNAUTHENTICATED", "CLOSE_FORBIDDEN", "CLOSE_NOT_FOUND"):
        assert f"| {getattr(sockets, name)} |" in docs


def test_readme_links_the_socket_docs():
    assert "](docs/websockets.md)" in (ROOT / "README.md").read_text()


def test_no_reference_to_documents_outside_the_repository():
    """Docstrings once pointed to an API.md that ships with no checkout."""
    offenders = []
    for path in ROOT.rglob("*"):
        if path.suffix not in {".py", ".md", ".toml", ".yml", ".txt"} or not path.is_file():
            continue
        parts = path.relative_to(ROOT).parts
        if any(part.startswith(".") or part in {"staticfiles", "media"} for part in parts) or path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE_DOCUMENTS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == [], "API.md and friends are not in the repository: point to docs/ or the API reference"
