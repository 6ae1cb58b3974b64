"""The file pipeline that knows no model: type sniffing, image re-encoding, thumbnails, size checks.

`uploads` uses it for attachments, `users` for avatars. The type of a file comes from its bytes
(filetype's signatures), never from the client's Content-Type or the file name. Images are decoded
and written anew with Pillow, so whatever metadata rode along (EXIF with GPS, comments, ICC tricks)
is gone, and a file whose header says PNG but whose body is something else is refused.
"""

import io
import json
import os
import re
import unicodedata
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

import filetype
from PIL import Image, ImageOps, UnidentifiedImageError

# Raster formats we decode and re-encode; anything else (SVG included) is a plain file.
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
THUMBNAIL_SIZE = 400
AVATAR_SIZE = 256
SNIFF_BYTES = 8192
FILENAME_MAX_LENGTH = 200
# Types a browser could run or render as a page: always served as a download with a neutral type.
TEXT_LIKE = "text/plain"
BINARY = "application/octet-stream"


AVATAR_NAME_RE = re.compile(r"^[0-9a-f]{32}\.png$")


class MediaError(ValueError):
    """The file cannot be accepted; the message is fit for the client."""


@dataclass(frozen=True)
class Sniffed:
    content_type: str
    extension: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_FORMATS


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes
    content_type: str
    width: int
    height: int
    thumbnail: bytes


def sniff(head: bytes) -> Sniffed:
    """The type of a file from its first bytes. Unknown binary is octet-stream; UTF-8 text is text/plain.

    HTML and SVG are text to us: they are stored and served only as downloads, never rendered.
    """
    kind = filetype.guess(head)
    if kind is not None:
        return Sniffed(kind.mime, kind.extension)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the sample is still text.
        if exc.start < len(head) - 4:
            return Sniffed(BINARY, "bin")
    return Sniffed(TEXT_LIKE, "txt")


def sniff_file(fileobj: IO[bytes]) -> Sniffed:
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    return sniff(head)


def file_size(fileobj: IO[bytes]) -> int:
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    return size


def check_size(size: int, *, max_bytes: int) -> None:
    if size <= 0:
        raise MediaError("The file is empty.")
    if size > max_bytes:
        raise MediaError(f"The file is larger than {max_bytes} bytes.")


def clean_filename(name: str, *, extension: str | None = None) -> str:
    """A display name safe in a Content-Disposition header: no directories, no control characters."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    name = re.sub(r"\s+", " ", name)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = re.sub(r"[^A-Za-z0-9]", "", ext)[:10]
    if extension and ext.lower() != extension:
        ext = extension
    stem = stem[: FILENAME_MAX_LENGTH - len(ext) - 1] or "file"
    return f"{stem}.{ext}" if ext else stem


def _open_image(fileobj: IO[bytes], *, max_pixels: int) -> Image.Image:
    """Open and fully decode an image, refusing bombs before any pixel is decoded."""
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fileobj)
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > max_pixels:
                raise MediaError(f"The image is too large ({width}x{height}, {frames} frame(s)).")
            image.load()
    except MediaError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise MediaError("The image is too large to decode.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise MediaError("The image is corrupt or truncated.") from exc
    except Exception as exc:  # Pillow's decoders raise odd errors (struct.error, IndexError) on crafted input
        raise MediaError("The image could not be decoded.") from exc
    return image


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
    elif fmt == "WEBP":
        image.save(out, format="WEBP", quality=85)
    elif fmt == "GIF":
        image.save(out, format="GIF")
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _frames(image: Image.Image) -> list[Image.Image]:
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frames.append(image.convert("RGBA"))
    return frames


def _encode_animation(image: Image.Image) -> bytes:
    """Animated GIFs keep their frames (but nothing else of the original file)."""
    frames = _frames(image)
    out = io.BytesIO()
    duration = image.info.get("duration", 100)
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], loop=0, duration=duration)
    return out.getvalue()


def process_image(fileobj: IO[bytes], *, content_type: str, max_pixels: int) -> ProcessedImage:
    """Decode, re-encode without metadata (orientation applied) and make a thumbnail ≤ 400 px."""
    fmt = IMAGE_FORMATS[content_type]
    image = _open_image(fileobj, max_pixels=max_pixels)
    try:
        if fmt == "GIF" and getattr(image, "n_frames", 1) > 1:
            data = _encode_animation(image)
            image.seek(0)
            still = image.convert("RGBA")
        else:
            still = ImageOps.exif_transpose(image)
            data = _encode(still, fmt)
        thumb = still.copy()
        thumb.thumbnail((THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        thumb_fmt = "PNG" if fmt == "GIF" else fmt
        return ProcessedImage(data, content_type, still.width, still.height, _encode(thumb, thumb_fmt))
    except Exception as exc:  # a frame that fails to decode or encode: refuse the file, never a 500
        raise MediaError("The image is corrupt or truncated.") from exc


def process_avatar(fileobj: IO[bytes], *, max_pixels: int) -> bytes:
    """A square 256x256 PNG, centre-cropped, metadata gone. Refuses anything that is not an image."""
    sniffed = sniff_file(fileobj)
    if not sniffed.is_image:
        raise MediaError("An avatar must be a JPEG, PNG, GIF or WebP image.")
    image = _open_image(fileobj, max_pixels=max_pixels)
    try:
        image.seek(0)
        square = ImageOps.fit(ImageOps.exif_transpose(image).convert("RGBA"), (AVATAR_SIZE, AVATAR_SIZE))
        return _encode(square, "PNG")
    except Exception as exc:  # as in process_image
        raise MediaError("The image is corrupt or truncated.") from exc


class UploadSizeLimitMiddleware:
    """ASGI: refuse an oversized upload by its Content-Length (413) before Django reads the body.

    Django's ASGI handler reads a whole request body before the view runs; for the upload paths a
    body declared larger than the cap is answered at once, and a body without a length (chunked) is
    cut off as soon as it passes the cap. `limits` maps a path regex to a settings name.
    """

    def __init__(self, app, limits: dict[str, str], *, slack: int = 64 * 1024):
        self.app = app
        self.limits = [(re.compile(pattern), setting) for pattern, setting in limits.items()]
        self.slack = slack

    def _limit_for(self, path: str) -> int | None:
        from django.conf import settings

        for pattern, setting in self.limits:
            if pattern.match(path):
                return getattr(settings, setting)
        return None

    async def __call__(self, scope, receive, send):
        limit = self._limit_for(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        try:
            declared = int(headers.get(b"content-length", b"0"))
        except ValueError:
            declared = 0
        if declared > limit + self.slack:
            return await _refuse(send, limit)
        received = 0
        cut_off = False
        started = False

        async def counting_receive():
            nonlocal received, cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit + self.slack:
                    cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if cut_off and not started:
            await _refuse(send, limit)


async def _refuse(send, limit: int) -> None:
    body = json.dumps({"detail": f"The file is larger than the limit of {limit} bytes."}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


# --- avatars: public by nature, stored under unguessable names that change with every new image ---


def avatar_key() -> str:
    return f"avatars/{uuid.uuid4().hex}.png"


def avatar_url(key: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.MEDIA_BASE_URL + reverse("avatar-file", kwargs={"name": key.rsplit("/", 1)[-1]})


def avatar_key_from_url(url: str) -> str | None:
    """The storage key of one of our avatar URLs (None for an outside URL)."""
    from django.conf import settings

    prefix = f"{settings.MEDIA_BASE_URL}/media/avatars/"
    name = url[len(prefix) :] if url.startswith(prefix) else ""
    return f"avatars/{name}" if AVATAR_NAME_RE.match(name) else None


def serve_avatar(request, name: str):
    from django.core.files.storage import default_storage
    from django.http import FileResponse, Http404

    if request.method not in ("GET", "HEAD") or not AVATAR_NAME_RE.match(name):
        raise Http404
    try:
        handle = default_storage.open(f"avatars/{name}", "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
