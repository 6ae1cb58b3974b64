import io
from urllib.parse import urlsplit

import pytest
from PIL import Image

from tests.conftest import client_for


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores files in its own folder (local storage, the embedded default)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return settings.MEDIA_ROOT


def image_bytes(fmt="PNG", size=(640, 480), color=(200, 30, 30), exif=None, **save) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        save["exif"] = exif
    image.save(out, format=fmt, **save)
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc."  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (48.0, 51.0, 29.0)
    gps[3] = "E"
    gps[4] = (2.0, 17.0, 40.0)
    return image_bytes("JPEG", exif=exif)


def upload(client, data: bytes, name="file.bin", content_type="application/octet-stream"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/api/v1/uploads/", {"file": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart"
    )


def fetch(client, url: str):
    """GET one of our absolute URLs through the test client."""
    parts = urlsplit(url)
    return client.get(parts.path + ("?" + parts.query if parts.query else ""))


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def alice(db):
    from tests.factories import UserFactory

    return UserFactory(handle="alice")


@pytest.fixture
def bob(db):
    from tests.factories import UserFactory

    return UserFactory(handle="bob")


@pytest.fixture
def alice_client(alice):
    return client_for(alice)


@pytest.fixture
def bob_client(bob):
    return client_for(bob)
