"""POST/GET/DELETE uploads/ and the signed file URLs (the "uploads" operations of the API reference)."""

import io
import struct
import time
import zipfile
import zlib
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from tests.uploads.conftest import body_of, fetch, image_bytes, jpeg_with_gps, upload
from uploads.models import Upload
from uploads.tasks import delete_unused_uploads

pytestmark = pytest.mark.django_db


def stored_files(media_root) -> list:
    return sorted(p for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else []


def test_image_upload_is_sniffed_reencoded_and_thumbnailed(alice_client, alice, media_root):
    response = upload(alice_client, image_bytes("PNG", size=(1200, 800)), name="diagram.jpg", content_type="text/html")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png"  # from the bytes, not the header or the name
    assert body["name"] == "diagram.png"
    assert (body["width"], body["height"]) == (1200, 800)
    assert set(body) >= {"id", "url", "name", "size", "content_type", "width", "height", "thumbnail_url"}
    stored = Upload.objects.get(pk=body["id"])
    assert stored.owner == alice and stored.size == body["size"]
    thumb = fetch(alice_client, body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(body_of(thumb))).size) == 400
    full = fetch(alice_client, body["url"])
    assert full.status_code == 200 and full["Content-Disposition"].startswith("inline")
    assert Image.open(io.BytesIO(body_of(full))).size == (1200, 800)


def test_gps_exif_is_gone_from_the_stored_image(alice_client):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test image does carry GPS
    body = upload(alice_client, original, name="holiday.jpg").json()
    served = body_of(fetch(alice_client, body["url"]))
    image = Image.open(io.BytesIO(served))
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(0x8825)
    assert b"SpyCam" not in served


def test_non_image_is_a_download_with_nosniff(alice_client):
    html = b"<html><body><script>alert(1)</script></body></html>"
    body = upload(alice_client, html, name="page.html", content_type="text/html").json()
    assert body["content_type"] == "text/plain"
    assert body["width"] is None and body["thumbnail_url"] is None
    response = fetch(alice_client, body["url"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert body_of(response) == html


def test_svg_is_never_inline(alice_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'
    body = upload(alice_client, svg, name="logo.svg", content_type="image/svg+xml").json()
    assert body["content_type"] != "image/svg+xml"
    response = fetch(alice_client, body["url"])
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] != "image/svg+xml"


def test_executable_is_a_download(alice_client):
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    body = upload(alice_client, elf, name="run.sh").json()
    assert body["content_type"] == "application/x-executable"
    assert fetch(alice_client, body["url"])["Content-Disposition"].startswith("attachment")


def test_file_url_needs_a_valid_unexpired_signature(alice_client, anon_client, settings):
    body = upload(alice_client, b"hello", name="a.txt").json()
    assert fetch(anon_client, body["url"]).status_code == 200  # the signed URL is the capability
    tampered = body["url"].replace("&s=", "&s=x")
    assert fetch(anon_client, tampered).status_code == 404
    other_id = body["url"].replace(f"/uploads/{body['id']}/", f"/uploads/{body['id'] + 1}/")
    assert fetch(anon_client, other_id).status_code == 404
    bare = body["url"].split("?")[0]
    assert fetch(anon_client, bare).status_code == 404
    expired = body["url"].split("&e=")[0] + f"&e={int(time.time()) - 1}&s=whatever"
    assert fetch(anon_client, expired).status_code == 404
    unicode_digit = body["url"].split("&e=")[0] + "&e=%C2%B2&s=whatever"  # "²": isdigit() but not int()
    assert fetch(anon_client, unicode_digit).status_code == 404


def test_metadata_is_for_the_owner_only_while_unattached(alice_client, bob_client, anon_client):
    body = upload(alice_client, b"notes", name="n.txt").json()
    assert alice_client.get(f"/api/v1/uploads/{body['id']}/").json()["id"] == body["id"]
    assert bob_client.get(f"/api/v1/uploads/{body['id']}/").status_code == 404
    assert anon_client.get(f"/api/v1/uploads/{body['id']}/").status_code == 401
    assert alice_client.get("/api/v1/uploads/99999999999999999999/").status_code == 404


def test_delete_by_owner_removes_row_and_files(
    alice_client, bob_client, media_root, django_capture_on_commit_callbacks
):
    body = upload(alice_client, image_bytes(), name="x.png").json()
    assert len(stored_files(media_root)) == 2  # image + thumbnail
    assert bob_client.delete(f"/api/v1/uploads/{body['id']}/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.delete(f"/api/v1/uploads/{body['id']}/").status_code == 204
    assert not Upload.objects.exists()
    assert stored_files(media_root) == []


def test_too_large_is_413_and_stores_nothing(alice_client, settings, media_root):
    settings.UPLOAD_MAX_BYTES = 1000
    response = upload(alice_client, b"x" * 1001, name="big.txt")
    assert response.status_code == 413
    assert "1000" in response.json()["detail"]
    assert not Upload.objects.exists() and stored_files(media_root) == []
    assert upload(alice_client, b"x" * 1000, name="ok.txt").status_code == 201


def test_declared_length_over_the_cap_is_refused_before_parsing(alice_client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    response = alice_client.generic(
        "POST",
        "/api/v1/uploads/",
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )
    assert response.status_code == 413


def test_quota_is_400(alice_client, settings):
    settings.UPLOAD_QUOTA_BYTES = 1500
    assert upload(alice_client, b"a" * 1000, name="one.txt").status_code == 201
    response = upload(alice_client, b"b" * 1000, name="two.txt")
    assert response.status_code == 400
    assert "quota" in response.json()["file"][0]
    assert Upload.objects.count() == 1


def test_not_multipart_is_415(alice_client):
    response = alice_client.post("/api/v1/uploads/", {"file": "x"}, format="json")
    assert response.status_code == 415


def test_missing_file_field_is_400(alice_client):
    response = alice_client.post("/api/v1/uploads/", {"other": "x"}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()


def test_anonymous_cannot_upload(anon_client):
    assert upload(anon_client, b"x", name="a.txt").status_code == 401


# --- bad input: a clear 4xx, nothing stored ------------------------------------------------


def _refused(client, media_root, data: bytes, name: str, status=400):
    response = upload(client, data, name=name)
    assert response.status_code == status, response.content
    assert not Upload.objects.exists()
    assert stored_files(media_root) == []
    return response


def test_zero_byte_file(alice_client, media_root):
    assert "empty" in _refused(alice_client, media_root, b"", "empty.txt").json()["file"][0]


def test_truncated_image(alice_client, media_root):
    data = image_bytes("PNG", size=(800, 600))
    _refused(alice_client, media_root, data[: len(data) // 2], "cut.png")


def test_truncated_jpeg(alice_client, media_root):
    data = image_bytes("JPEG", size=(800, 600))
    _refused(alice_client, media_root, data[: len(data) // 3], "cut.jpg")


def test_corrupt_image_body(alice_client, media_root):
    data = image_bytes("PNG")
    corrupt = data[:60] + bytes(b ^ 0xFF for b in data[60:200]) + data[200:]
    _refused(alice_client, media_root, corrupt, "corrupt.png")


def test_png_header_on_an_html_body(alice_client, media_root):
    fake = b"\x89PNG\r\n\x1a\n" + b"<html><script>alert(1)</script></html>" * 10
    _refused(alice_client, media_root, fake, "fake.png")


def pixel_bomb_png(width=60000, height=60000) -> bytes:
    """A few hundred bytes whose header promises width x height pixels (3.6 gigapixels)."""
    small = image_bytes("PNG", size=(1, 1))
    ihdr = small[8 + 8 : 8 + 8 + 13]
    patched = struct.pack(">II", width, height) + ihdr[8:]
    chunk = b"IHDR" + patched
    return small[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + small[8 + 25 :]


@pytest.mark.parametrize("size", [(60000, 60000), (10000, 8000)])
def test_pixel_bomb(alice_client, media_root, size):
    bomb = pixel_bomb_png(*size)
    assert struct.unpack(">II", bomb[16:24]) == size and len(bomb) < 1000
    assert "too large" in _refused(alice_client, media_root, bomb, "bomb.png").json()["file"][0]


def test_zip_bomb_is_stored_as_an_opaque_download(alice_client, media_root):
    """We never unpack archives: a zip bomb is just a small file served as a download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (50 * 1024 * 1024))
    body = upload(alice_client, buffer.getvalue(), name="bomb.zip").json()
    assert body["content_type"] == "application/zip" and body["size"] == len(buffer.getvalue())
    assert fetch(alice_client, body["url"])["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("/abs/path/name.txt", "name.txt"),
        ("a\x00b\nc.txt", "abc.txt"),
    ],
)
def test_file_names_with_path_separators(alice_client, media_root, given, expected):
    body = upload(alice_client, b"data", name=given).json()
    assert body["name"] == expected
    stored = Upload.objects.get(pk=body["id"])
    assert str(media_root) in str((media_root / stored.file.name).resolve())
    assert ".." not in stored.file.name


def test_a_thousand_character_file_name(alice_client):
    body = upload(alice_client, b"data", name="n" * 996 + ".txt").json()
    assert len(body["name"]) <= 200 and body["name"].endswith(".txt")


# --- clean-up of unused uploads ------------------------------------------------------------


def test_unused_uploads_are_deleted_after_a_day(alice_client, media_root, django_capture_on_commit_callbacks):
    old = upload(alice_client, image_bytes(), name="old.png").json()
    fresh = upload(alice_client, b"fresh", name="fresh.txt").json()
    Upload.objects.filter(pk=old["id"]).update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_unused_uploads.delay().get() == 1
    assert list(Upload.objects.values_list("pk", flat=True)) == [fresh["id"]]
    assert len(stored_files(media_root)) == 1
    assert delete_unused_uploads.delay().get() == 0  # idempotent


def test_uploads_are_rate_limited_per_user(alice_client, settings):
    settings.RATELIMIT_UPLOADS = "2/m"
    assert upload(alice_client, b"1", name="1.txt").status_code == 201
    assert upload(alice_client, b"2", name="2.txt").status_code == 201
    response = upload(alice_client, b"3", name="3.txt")
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert Upload.objects.count() == 2


@pytest.mark.parametrize("seed", range(40))
def test_fuzzed_image_bodies_never_500(alice_client, media_root, seed):
    """Valid headers followed by random bytes: a 400 (or a stored re-encoded image), never a 500."""
    import random

    rng = random.Random(seed)
    source = image_bytes(["PNG", "JPEG", "GIF", "WEBP"][seed % 4], size=(64, 48))
    cut = rng.randrange(16, len(source))
    body = bytearray(source)
    for _ in range(rng.randrange(1, 20)):
        body[rng.randrange(cut // 2, len(body))] = rng.randrange(256)
    response = upload(alice_client, bytes(body), name="fuzz.img")
    assert response.status_code in (201, 400), response.content
