"""An erased account (users.signals.user_erased): its uploads nothing uses go, used ones stay unowned."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import DEFAULT_PASSWORD, RoomFactory
from tests.uploads.conftest import fetch, image_bytes, upload
from uploads.models import Upload

pytestmark = pytest.mark.django_db


def test_erase_deletes_unused_uploads_and_avatar(
    alice, alice_client, bob_client, media_root, django_capture_on_commit_callbacks
):
    room = RoomFactory(creator=alice, name="R", slug="r")
    with django_capture_on_commit_callbacks(execute=True):
        used = upload(alice_client, image_bytes(), name="used.png").json()
        spare = upload(alice_client, b"draft", name="draft.txt").json()
        assert (
            alice_client.post(
                f"/api/v1/rooms/{room.pk}/messages/", {"attachments": [used["id"]]}, format="json"
            ).status_code
            == 201
        )
        avatar = alice_client.put(
            "/api/v1/users/me/avatar/", {"file": SimpleUploadedFile("a.png", image_bytes())}, format="multipart"
        ).json()["avatar"]
    before = {p.name for p in media_root.rglob("*") if p.is_file()}
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            alice_client.delete("/api/v1/users/me/", {"password": DEFAULT_PASSWORD}, format="json").status_code == 204
        )
    assert not Upload.objects.filter(pk=spare["id"]).exists()
    kept = Upload.objects.get(pk=used["id"])
    assert kept.owner is None  # the message still shows it
    after = {p.name for p in media_root.rglob("*") if p.is_file()}
    assert after == {kept.file.name.rsplit("/", 1)[-1], kept.thumbnail.name.rsplit("/", 1)[-1]}
    assert len(before) == 4  # image + thumbnail + draft + avatar
    assert fetch(bob_client, avatar).status_code == 404
