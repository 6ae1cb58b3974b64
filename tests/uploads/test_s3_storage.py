"""The S3 path: django-storages' S3 backend and the real boto3 client against a local S3 server (moto)."""

import json
import os
import socket
import subprocess
import sys

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from moto.server import ThreadedMotoServer

from tests.uploads.conftest import body_of, fetch, image_bytes, upload
from uploads.models import Upload

pytestmark = pytest.mark.django_db
BUCKET = "codenest-test-media"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def s3(settings, monkeypatch):
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": endpoint, "default_acl": None, "file_overwrite": False},
        },
    }
    yield client
    server.stop()


def keys(client) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_upload_serve_and_delete_through_s3(s3, alice_client, media_root, django_capture_on_commit_callbacks):
    image = upload(alice_client, image_bytes("PNG", size=(900, 300)), name="wide.png").json()
    text = upload(alice_client, b"plain text", name="notes.txt").json()
    stored = Upload.objects.get(pk=image["id"])
    assert keys(s3) == sorted([stored.file.name, stored.thumbnail.name, Upload.objects.get(pk=text["id"]).file.name])
    assert not media_root.exists() or not any(media_root.rglob("*.*"))  # nothing on local disk
    obj = s3.get_object(Bucket=BUCKET, Key=stored.file.name)
    assert obj["Body"].read()[:8] == b"\x89PNG\r\n\x1a\n"
    served = fetch(alice_client, text["url"])
    assert served.status_code == 200 and body_of(served) == b"plain text"
    assert served["Content-Disposition"].startswith("attachment")
    with django_capture_on_commit_callbacks(execute=True):
        assert alice_client.delete(f"/api/v1/uploads/{image['id']}/").status_code == 204
    assert keys(s3) == [Upload.objects.get(pk=text["id"]).file.name]


def test_avatar_through_s3(s3, alice_client, anon_client):
    url = alice_client.put(
        "/api/v1/users/me/avatar/",
        {"file": SimpleUploadedFile("a.png", image_bytes())},
        format="multipart",
    ).json()["avatar"]
    assert [k for k in keys(s3) if k.startswith("avatars/")]
    assert fetch(anon_client, url).status_code == 200


def test_storage_url_selects_the_s3_backend():
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "codenest.settings",
        "STORAGE_URL": "s3://media-bucket?endpoint_url=http://minio:9000&region_name=eu-west-1",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    config = json.loads(out)
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"]["bucket_name"] == "media-bucket"
    assert config["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert config["OPTIONS"]["region_name"] == "eu-west-1"
    assert config["OPTIONS"]["querystring_auth"] is True and config["OPTIONS"]["default_acl"] is None
