"""Messages with `attachments`, posts with `images`, and who may read those files."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rooms.models import Message, MessageKind
from tests.conftest import client_for
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory
from tests.uploads.conftest import fetch, image_bytes, upload
from uploads.models import Upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_room(alice, bob):
    room = RoomFactory(creator=alice, name="Secret", slug="secret", is_public=False)
    MembershipFactory(room=room, user=bob)
    return room


def messages_url(room):
    return f"/api/v1/rooms/{room.pk}/messages/"


def new_upload(client, data=b"report", name="report.txt") -> dict:
    response = upload(client, data, name=name)
    assert response.status_code == 201, response.content
    return response.json()


def test_files_alone_make_a_file_message(alice_client, private_room):
    first = new_upload(alice_client, image_bytes(), "a.png")
    second = new_upload(alice_client, b"notes", "b.txt")
    response = alice_client.post(
        messages_url(private_room), {"attachments": [first["id"], second["id"]]}, format="json"
    )
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["kind"] == "file" and message["content"] == ""
    assert [a["id"] for a in message["attachments"]] == [first["id"], second["id"]]
    assert message["attachments"][0]["thumbnail_url"] and message["previews"] == []
    stored = Message.objects.get(pk=message["id"])
    assert stored.kind == MessageKind.FILE
    assert set(stored.attachments.values_list("pk", flat=True)) == {first["id"], second["id"]}


def test_text_with_files_stays_text(alice_client, private_room):
    file = new_upload(alice_client)
    response = alice_client.post(
        messages_url(private_room), {"content": "see attached", "attachments": [file["id"]]}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "text" and len(response.json()["attachments"]) == 1


def test_private_room_attachment_is_for_members_only(alice_client, bob_client, private_room):
    file = new_upload(alice_client)
    alice_client.post(messages_url(private_room), {"attachments": [file["id"]]}, format="json")
    outsider = client_for(UserFactory(handle="otto"))
    # Members see it in the history, with a URL that works, and its metadata.
    history = bob_client.get(messages_url(private_room)).json()["results"]
    url = history[0]["attachments"][0]["url"]
    assert fetch(bob_client, url).status_code == 200
    assert bob_client.get(f"/api/v1/uploads/{file['id']}/").status_code == 200
    # Outsiders see neither the room's history nor the upload's metadata.
    assert outsider.get(messages_url(private_room)).status_code == 404
    assert outsider.get(f"/api/v1/uploads/{file['id']}/").status_code == 404


def test_an_attached_upload_cannot_be_deleted(alice_client, private_room):
    file = new_upload(alice_client)
    alice_client.post(messages_url(private_room), {"attachments": [file["id"]]}, format="json")
    assert alice_client.delete(f"/api/v1/uploads/{file['id']}/").status_code == 409
    assert Upload.objects.filter(pk=file["id"]).exists()


def test_post_images(alice_client, bob_client):
    image = new_upload(alice_client, image_bytes("JPEG"), "photo.jpg")
    response = alice_client.post(
        "/api/v1/posts/", {"title": "Look", "content": "a photo", "images": [image["id"]]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert [i["id"] for i in response.json()["images"]] == [image["id"]]
    listed = bob_client.get("/api/v1/posts/").json()["results"][0]
    assert listed["images"][0]["content_type"] == "image/jpeg"
    assert fetch(bob_client, listed["images"][0]["url"]).status_code == 200
    assert bob_client.get(f"/api/v1/uploads/{image['id']}/").status_code == 200  # a public post's image


# --- bad input: a clear 4xx, nothing written -------------------------------------------------


def _refused_message(client, room, body, field="attachments"):
    before = Message.objects.count()
    response = client.post(messages_url(room), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Message.objects.count() == before
    return response


def test_someone_elses_upload_cannot_be_attached(alice_client, bob_client, private_room):
    theirs = new_upload(alice_client)
    _refused_message(bob_client, private_room, {"attachments": [theirs["id"]]})


def test_eleven_attachments(alice_client, private_room):
    ids = [new_upload(alice_client, f"f{i}".encode(), f"f{i}.txt")["id"] for i in range(11)]
    _refused_message(alice_client, private_room, {"content": "many", "attachments": ids})
    assert Upload.objects.filter(messages__isnull=False).count() == 0


def test_an_upload_from_another_room(alice_client, alice, private_room):
    other = RoomFactory(creator=alice, name="Other", slug="other", is_public=False)
    file = new_upload(alice_client)
    assert alice_client.post(messages_url(other), {"attachments": [file["id"]]}, format="json").status_code == 201
    _refused_message(alice_client, private_room, {"attachments": [file["id"]]})


def test_unknown_and_malformed_attachment_ids(alice_client, private_room):
    _refused_message(alice_client, private_room, {"attachments": [999999]})
    _refused_message(alice_client, private_room, {"attachments": ["x"]})
    _refused_message(alice_client, private_room, {"attachments": "1"})
    _refused_message(alice_client, private_room, {"attachments": [2**70]})


def test_no_text_and_no_files(alice_client, private_room):
    _refused_message(alice_client, private_room, {"content": "   ", "attachments": []}, field="content")


def test_post_images_must_be_images_and_mine(alice_client, bob_client):
    text = new_upload(alice_client, b"plain", "a.txt")
    response = alice_client.post("/api/v1/posts/", {"title": "T", "images": [text["id"]]}, format="json")
    assert response.status_code == 400 and "images" in response.json()
    image = new_upload(alice_client, image_bytes(), "a.png")
    response = bob_client.post("/api/v1/posts/", {"title": "T", "images": [image["id"]]}, format="json")
    assert response.status_code == 400 and "images" in response.json()
    eleven = [new_upload(alice_client, image_bytes(size=(10 + i, 10)), "i.png")["id"] for i in range(11)]
    response = alice_client.post("/api/v1/posts/", {"title": "T", "images": eleven}, format="json")
    assert response.status_code == 400 and "images" in response.json()
    from posts.models import Post

    assert not Post.objects.exists()


# --- fixed query counts -------------------------------------------------------------------


def _message_with_files(room, author, n_files=2):
    message = Message.objects.create(room=room, author=author, content="m")
    files = [
        Upload.objects.create(owner=author, file=f"x/{i}", name="n", size=1, content_type="text/plain")
        for i in range(n_files)
    ]
    message.attachments.set(files)
    return message


def _history_queries(client, room) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(messages_url(room))
    return len(ctx.captured_queries), response.json()


def test_history_query_count_does_not_grow_with_attachments(alice, private_room):
    client = client_for(alice)
    for _ in range(2):
        _message_with_files(private_room, alice)
    few, _ = _history_queries(client, private_room)
    for _ in range(15):
        _message_with_files(private_room, alice, n_files=3)
    many, body = _history_queries(client, private_room)
    assert len(body["results"]) == 17 and len(body["results"][0]["attachments"]) == 3
    assert many == few


@pytest.mark.parametrize("n_posts", [1, 12])
def test_post_list_query_count_with_images(alice, django_assert_num_queries, n_posts):
    for _ in range(n_posts):
        post = PostFactory(author=alice)
        post.images.set(
            [
                Upload.objects.create(
                    owner=alice, file="p", name="p.png", size=1, content_type="image/png", width=1, height=1
                )
            ]
        )
    client = client_for(alice)
    with django_assert_num_queries(5):  # token user, posts, tags, images, previews
        response = client.get("/api/v1/posts/", {"page_size": 20})
    assert len(response.json()["results"]) == n_posts


def test_private_room_post_images_are_hidden_from_outsiders(alice_client, bob_client, private_room):
    image = new_upload(alice_client, image_bytes(), "secret.png")
    response = alice_client.post(
        "/api/v1/posts/", {"title": "Inside", "room": private_room.pk, "images": [image["id"]]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert bob_client.get(f"/api/v1/uploads/{image['id']}/").status_code == 200  # a member
    outsider = client_for(UserFactory(handle="otto"))
    assert outsider.get(f"/api/v1/uploads/{image['id']}/").status_code == 404
    assert all(p["id"] != response.json()["id"] for p in outsider.get("/api/v1/posts/").json()["results"])
