"""Link previews: the first links of a text, fetched through codenest.safe_http, parsed with BeautifulSoup.

A preview is stored once per URL per day (LinkPreview, unique on url hash + day) and shared by every
message and post that links there; a failed fetch is stored too (ok=False), so a dead or refused
link is not retried until the next day.
"""

import hashlib
import logging
import re
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from codenest.safe_http import FetchRefused, safe_get
from uploads.models import LinkPreview

logger = logging.getLogger(__name__)
MAX_LINKS = 3
URL_MAX_LENGTH = 2000
LINK_RE = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
HTML_TYPES = ("text/html", "application/xhtml+xml")


def links_in(text: str, *, limit: int = MAX_LINKS) -> list[str]:
    """The first `limit` distinct http(s) links of a text, trailing punctuation left out."""
    found: list[str] = []
    for match in LINK_RE.finditer(text or ""):
        url = match.group(0).rstrip(".,;:!?)]}'\"")
        if url.count("(") < url.count(")"):
            url = url.rstrip(")")
        if len(url) <= URL_MAX_LENGTH and urlsplit(url).hostname and url not in found:
            found.append(url)
        if len(found) == limit:
            break
    return found


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if tag is not None and tag.get("content", "").strip():  # type: ignore[union-attr]  # content is a single-valued attribute
            return " ".join(tag["content"].split())  # type: ignore[union-attr]  # content is a single-valued attribute
    return ""


def parse_metadata(html: bytes, *, base_url: str, content_type: str = "") -> dict:
    """OpenGraph, then Twitter cards, then <title> / meta description."""
    charset = re.search(r"charset=([\w-]+)", content_type or "")
    soup = BeautifulSoup(html, "html.parser", from_encoding=charset.group(1) if charset else None)
    title = _meta(soup, "og:title", "twitter:title")
    if not title and soup.title and soup.title.string:
        title = " ".join(soup.title.string.split())
    image = _meta(soup, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    image_url = urljoin(base_url, image) if image else ""
    if urlsplit(image_url).scheme not in ("http", "https") or len(image_url) > URL_MAX_LENGTH:
        image_url = ""
    return {
        "title": title[:300],
        "description": _meta(soup, "og:description", "twitter:description", "description")[:1000],
        "image_url": image_url,
        "site_name": (_meta(soup, "og:site_name") or urlsplit(base_url).hostname or "")[:200],
    }


def _fetch(url: str) -> dict:
    try:
        result = safe_get(
            url,
            timeout=settings.LINK_PREVIEW_TIMEOUT,
            max_bytes=settings.LINK_PREVIEW_MAX_BYTES,
            allowed_networks=getattr(settings, "LINK_PREVIEW_ALLOWED_NETWORKS", ()),
        )
    except FetchRefused as exc:
        return {"ok": False, "error": str(exc)[:300]}
    if result.status != 200:
        return {"ok": False, "error": f"HTTP {result.status}"}
    if result.content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return {"ok": False, "error": f"not a page ({result.content_type[:100]})"}
    metadata = parse_metadata(result.body, base_url=result.url, content_type=result.content_type)
    return {"ok": bool(metadata["title"] or metadata["description"]), **metadata}


def link_preview_for(url: str) -> LinkPreview:
    """Today's preview of `url`, fetched now if nobody asked for it yet today."""
    url_hash = hashlib.sha256(url.encode()).hexdigest()
    today = timezone.now().date()
    existing = LinkPreview.objects.filter(url_hash=url_hash, fetched_on=today).first()
    if existing is not None:
        return existing
    fields = _fetch(url)  # outside any transaction: the network is slow
    try:
        with transaction.atomic():
            return LinkPreview.objects.create(url=url, url_hash=url_hash, fetched_on=today, **fields)
    except IntegrityError:  # another worker fetched the same URL meanwhile
        return LinkPreview.objects.get(url_hash=url_hash, fetched_on=today)


def previews_for_text(text: str) -> list[LinkPreview]:
    """The usable previews of the first links of a text (failed fetches left out)."""
    return [preview for preview in map(link_preview_for, links_in(text)) if preview.ok]
