"""The one way the server fetches a URL that a user gave it (link previews): SSRF-safe GET.

- http and https only, on any port; user info in the URL is ignored.
- The host is resolved here and every address it resolves to must be public: private, loopback,
  link-local (169.254.169.254, the cloud metadata service), multicast, reserved, shared and
  unspecified addresses are refused. The connection then goes to the address that was checked (the
  Host header and TLS SNI/certificate check keep the name), so a second DNS answer cannot swap in
  an internal address between check and connect (DNS rebinding).
- Redirects are followed by hand, at most `max_redirects`, each hop checked the same way.
- One deadline for the whole fetch (connect, redirects, reading), and at most `max_bytes` are read.

Tests point it at local servers by listing their networks in `allowed_networks`; production passes
none. Imports no app.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "CodeNestPreview/1.0 (+link previews)"
CHUNK = 16 * 1024


class FetchRefused(Exception):
    """The URL may not or could not be fetched; the message says why (for logs and admin)."""


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    content_type: str
    body: bytes
    truncated: bool


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_link_local)


def _allowed(address, allowed_networks) -> bool:
    return _is_public(address) or any(address in network for network in allowed_networks)


def resolve_checked(host: str, port: int, *, allowed_networks=()) -> str:
    """The address to connect to, once every address of `host` proved acceptable."""
    networks = [ipaddress.ip_network(n, strict=False) for n in allowed_networks]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"cannot resolve {host!r}") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]  # type: ignore[union-attr]  # IP socket addresses are strings
    refused = [str(a) for a in addresses if not _allowed(a, networks)]
    if not addresses or refused:
        raise FetchRefused(f"{host!r} resolves to a non-public address ({', '.join(refused) or 'none'})")
    return str(addresses[0])


def _target(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"scheme {parts.scheme!r} is not allowed")
    if not parts.hostname:
        raise FetchRefused("no host")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchRefused("bad port") from exc
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port, path


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return name if port == default else f"{name}:{port}"


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchRefused("timed out")
    return left


def _open(scheme: str, host: str, port: int, address: str, path: str, deadline: float):
    timeout = urllib3.Timeout(connect=_remaining(deadline), read=_remaining(deadline))
    if scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host, maxsize=1
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False, maxsize=1)
    headers = {
        "Host": _host_header(scheme, host, port),
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        "Accept-Encoding": "identity",
    }
    response = pool.urlopen("GET", path, headers=headers, redirect=False, retries=False, preload_content=False)
    return pool, response


def _read_capped(response, max_bytes: int, deadline: float) -> tuple[bytes, bool]:
    body = bytearray()
    for chunk in response.stream(CHUNK, decode_content=False):
        _remaining(deadline)
        body.extend(chunk)
        if len(body) > max_bytes:
            return bytes(body[:max_bytes]), True
    return bytes(body), False


def safe_get(
    url: str, *, timeout: float = 5.0, max_bytes: int = 1024 * 1024, max_redirects: int = 3, allowed_networks=()
) -> FetchResult:
    """GET `url` under the rules of this module; FetchRefused for anything refused or failed."""
    deadline = time.monotonic() + timeout
    for _hop in range(max_redirects + 1):
        scheme, host, port, path = _target(url)
        address = resolve_checked(host, port, allowed_networks=allowed_networks)
        pool = response = None
        try:
            pool, response = _open(scheme, host, port, address, path, deadline)
            if response.status in REDIRECT_STATUSES and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            body, truncated = _read_capped(response, max_bytes, deadline)
            content_type = response.headers.get("Content-Type", "")
            return FetchResult(url, response.status, content_type, body, truncated)
        except (HTTPError, OSError) as exc:
            raise FetchRefused(f"fetch failed: {type(exc).__name__}") from exc
        finally:
            if response is not None:
                response.release_conn()
                response.close()
            if pool is not None:
                pool.close()
    raise FetchRefused(f"more than {max_redirects} redirects")
