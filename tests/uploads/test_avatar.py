"""PUT/DELETE users/me/avatar/ and the avatar in every UserSummary."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.uploads.conftest import body_of, fetch, image_bytes, jpeg_with_gps

pytestmark = pytest.mark.django_db
URL = "/api/v1/users/me/avatar/"


def put_avatar(client, data: bytes, name="me.jpg"):
    return client.put(URL, {"file": SimpleUploadedFile(name, data)}, format="multipart")


def test_avatar_is_a_256_square_png_without_metadata(alice_client, alice, anon_client):
    response = put_avatar(alice_client, jpeg_with_gps())
    assert response.status_code == 200, response.content
    url = response.json()["avatar"]
    served = fetch(anon_client, url)  # avatars are public, under an unguessable name
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(body_of(served)))
    assert image.size == (256, 256) and image.format == "PNG"
    assert not image.getexif()
    alice.refresh_from_db()
    assert alice.avatar == url
    # Every UserSummary carries it: the public profile and the author of a post.
    assert anon_client.get(f"/api/v1/users/{alice.pk}/").json()["avatar"] == url
    post = alice_client.post("/api/v1/posts/", {"title": "Hi", "content": "there"}, format="json").json()
    assert post["author"]["avatar"] == url


def test_replacing_deletes_the_old_file_and_delete_clears(
    alice_client, anon_client, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = put_avatar(alice_client, image_bytes("PNG", size=(300, 100))).json()["avatar"]
        second = put_avatar(alice_client, image_bytes("JPEG", size=(100, 300))).json()["avatar"]
    assert first != second
    assert fetch(anon_client, first).status_code == 404
    assert fetch(anon_client, second).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.delete(URL).status_code == 204
    assert alice_client.get("/api/v1/users/me/").json()["avatar"] == ""
    assert fetch(anon_client, second).status_code == 404
    assert list((media_root / "avatars").iterdir()) == []


@pytest.mark.parametrize(
    "data",
    [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n<html></html>", b'<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ids=["empty", "text", "png-header-html", "svg"],
)
def test_bad_avatar_is_400_and_changes_nothing(alice_client, alice, media_root, data):
    response = put_avatar(alice_client, data)
    assert response.status_code == 400 and "file" in response.json()
    alice.refresh_from_db()
    assert alice.avatar == ""
    assert not (media_root / "avatars").exists() or not list((media_root / "avatars").iterdir())


def test_avatar_over_5_mib_is_413(alice_client, settings):
    settings.AVATAR_MAX_BYTES = 2000
    padded = image_bytes("PNG", size=(300, 300), color=(1, 2, 3)) + b"\0" * 3000
    assert put_avatar(alice_client, padded).status_code == 413


def test_avatar_needs_auth_and_multipart(anon_client, alice_client):
    assert put_avatar(anon_client, image_bytes()).status_code == 401
    assert alice_client.put(URL, {"file": "x"}, format="json").status_code == 415


def test_unknown_avatar_names_are_404(anon_client):
    assert anon_client.get("/media/avatars/../../settings.py").status_code == 404
    assert anon_client.get("/media/avatars/" + "0" * 32 + ".png").status_code == 404
