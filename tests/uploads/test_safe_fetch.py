"""The SSRF-safe fetcher against a real local server, and the guard with nothing relaxed."""

import socket

import pytest

from codenest.safe_http import FetchRefused, resolve_checked, safe_get
from tests.uploads.pages import ARTICLE, PageServer

LOCAL = ["127.0.0.1/32"]  # what tests relax; production relaxes nothing


@pytest.fixture
def pages():
    with PageServer() as server:
        yield server


def test_fetches_a_page(pages):
    url = pages.route("/a", "text/html", ARTICLE)
    result = safe_get(url, allowed_networks=LOCAL)
    assert result.status == 200 and result.body == ARTICLE and not result.truncated


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://10.0.0.1/",
        "http://10.255.1.2:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://224.0.0.1/",
        "http://100.64.0.1/",
    ],
)
def test_guard_refuses_internal_addresses(url):
    with pytest.raises(FetchRefused, match="non-public"):
        safe_get(url)


def test_guard_refuses_the_local_server_unless_relaxed(pages):
    url = pages.route("/a", "text/html", ARTICLE)
    with pytest.raises(FetchRefused):
        safe_get(url)
    assert pages.hits == []  # refused before connecting


@pytest.mark.parametrize(
    "target",
    ["http://10.0.0.7/", "http://169.254.169.254/latest/meta-data/iam/", "http://127.0.0.2/", "http://[::1]:1/"],
)
def test_a_redirect_into_internal_addresses_is_refused(pages, target):
    url = pages.route("/go", "redirect", target)
    with pytest.raises(FetchRefused, match="non-public"):
        safe_get(url, allowed_networks=LOCAL)
    assert pages.hits == ["/go"]


def test_at_most_three_redirects(pages):
    pages.route("/end", "text/html", ARTICLE)
    pages.route("/r3", "redirect", "/end")
    pages.route("/r2", "redirect", "/r3")
    pages.route("/r1", "redirect", "/r2")
    pages.route("/r0", "redirect", "/r1")
    assert safe_get(pages.base + "/r1", allowed_networks=LOCAL).url == pages.base + "/end"
    with pytest.raises(FetchRefused, match="redirects"):
        safe_get(pages.base + "/r0", allowed_networks=LOCAL)


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)"])
def test_only_http_and_https(url):
    with pytest.raises(FetchRefused, match="scheme"):
        safe_get(url)


def test_redirect_to_another_scheme_is_refused(pages):
    url = pages.route("/file", "redirect", "file:///etc/passwd")
    with pytest.raises(FetchRefused, match="scheme"):
        safe_get(url, allowed_networks=LOCAL)


def test_reads_at_most_max_bytes(pages):
    url = pages.route("/huge", "huge", 3 * 1024 * 1024)
    result = safe_get(url, allowed_networks=LOCAL, max_bytes=1024 * 1024)
    assert result.truncated and len(result.body) == 1024 * 1024


def test_times_out(pages):
    url = pages.route("/slow", "slow", 3)
    with pytest.raises(FetchRefused):
        safe_get(url, allowed_networks=LOCAL, timeout=0.5)


def test_unresolvable_host():
    with pytest.raises(FetchRefused, match="resolve"):
        safe_get("http://no-such-host.invalid/")


def test_every_resolved_address_must_be_public(monkeypatch):
    """A name with one public and one private address (a rebinding trick) is refused."""

    def fake_getaddrinfo(host, port, *args, **kwargs):
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(FetchRefused, match=r"10\.0\.0\.5"):
        resolve_checked("mixed.example", 80)


def test_production_settings_never_relax_the_guard():
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; print(settings.LINK_PREVIEW_ALLOWED_NETWORKS)"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "codenest.settings",
        "CODENEST_TESTING": "0",
        "DEBUG": "0",
        "CODENEST_TEST_PREVIEW_NETWORKS": "0.0.0.0/0",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
