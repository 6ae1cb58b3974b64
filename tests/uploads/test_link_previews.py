"""Link previews: parsing, one fetch per URL per day shared by everyone, message.updated when they arrive."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from posts.models import Post
from rooms.models import Message
from tests.conftest import client_for
from tests.factories import MembershipFactory, RoomFactory
from tests.uploads.pages import ARTICLE, TITLE_ONLY, TWITTER, PageServer
from uploads.models import LinkPreview
from uploads.previews import link_preview_for, links_in, parse_metadata

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(settings):
    settings.LINK_PREVIEW_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with PageServer() as server:
        yield server


def test_links_in_text():
    text = (
        "see https://a.example/x, and (http://b.example/y) then https://a.example/x again "
        "plus https://c.example/z. and https://d.example/4 ftp://e.example/"
    )
    assert links_in(text) == ["https://a.example/x", "http://b.example/y", "https://c.example/z"]
    assert links_in("no links, just javascript:alert(1) and www.example.com") == []


def test_parse_opengraph_twitter_and_title():
    og = parse_metadata(ARTICLE, base_url="https://www.djangoproject.com/weblog/x/")
    assert og == {
        "title": "Django 5.2 released",
        "description": "What is new in Django 5.2.",
        "image_url": "https://www.djangoproject.com/static/cover.png",
        "site_name": "Django Weblog",
    }
    tw = parse_metadata(TWITTER, base_url="https://t.example/p")
    assert (tw["title"], tw["description"], tw["site_name"]) == ("A tweetable page", "Short and sweet", "t.example")
    plain = parse_metadata(TITLE_ONLY, base_url="https://p.example/")
    assert (plain["title"], plain["description"]) == ("Just a title", "Plain meta")
    hostile = parse_metadata(
        b'<meta property="og:image" content="javascript:alert(1)"><title>x</title>', base_url="https://h.example/"
    )
    assert hostile["image_url"] == ""


def test_one_fetch_per_url_per_day(pages):
    url = pages.route("/article", "text/html; charset=utf-8", ARTICLE)
    first = link_preview_for(url)
    second = link_preview_for(url)
    assert first.pk == second.pk and first.ok and first.title == "Django 5.2 released"
    assert pages.hits == ["/article"]
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert link_preview_for(url).pk != first.pk
    assert pages.hits == ["/article", "/article"]


def test_failures_are_remembered_not_shown(pages):
    missing = link_preview_for(pages.base + "/nothing-here")
    assert not missing.ok and "404" in missing.error
    not_html = link_preview_for(pages.route("/img", "image/png", b"\x89PNG...."))
    assert not not_html.ok
    internal = link_preview_for("http://169.254.169.254/latest/meta-data/")
    assert not internal.ok and "non-public" in internal.error


def test_message_previews_arrive_with_message_updated(pages, captured_events, django_capture_on_commit_callbacks):
    owner_room = RoomFactory(name="Links", slug="links", is_public=False)
    member = MembershipFactory(room=owner_room).user
    article = pages.route("/article", "text/html", ARTICLE)
    other = pages.route("/tw", "text/html", TWITTER)
    client = client_for(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/rooms/{owner_room.pk}/messages/", {"content": f"read {article} and {other}"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["previews"] == []  # the message goes out at once; previews follow
    kinds = [event["type"] for _group, event in captured_events]
    assert kinds == ["room.message", "room.message_updated"]
    updated = captured_events[1][1]["message"]
    assert [p["title"] for p in updated["previews"]] == ["Django 5.2 released", "A tweetable page"]
    assert set(updated["previews"][0]) == {"url", "title", "description", "image_url", "site_name"}
    history = client.get(f"/api/v1/rooms/{owner_room.pk}/messages/").json()["results"]
    assert history[0]["previews"] == updated["previews"]

    # Another message with the same link shares the stored preview: no second fetch.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/rooms/{owner_room.pk}/messages/", {"content": f"again {article}"}, format="json")
    assert pages.hits.count("/article") == 1
    assert LinkPreview.objects.filter(url=article).count() == 1
    assert Message.objects.filter(previews__url=article).count() == 2


def test_a_message_without_links_fetches_nothing(pages, captured_events, django_capture_on_commit_callbacks):
    room = RoomFactory(name="Quiet", slug="quiet")
    client = client_for(room.creator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/rooms/{room.pk}/messages/", {"content": "no links here"}, format="json")
    assert [event["type"] for _g, event in captured_events] == ["room.message"]
    assert not LinkPreview.objects.exists()


def test_post_previews_start_with_its_url(pages, django_capture_on_commit_callbacks):
    article = pages.route("/article", "text/html", ARTICLE)
    plain = pages.route("/plain", "text/html", TITLE_ONLY)
    room = RoomFactory(name="P", slug="p")
    client = client_for(room.creator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/posts/",
            {"title": "Link", "kind": "link", "url": article, "content": f"also {plain}"},
            format="json",
        )
    assert response.status_code == 201
    post = client.get(f"/api/v1/posts/{response.json()['id']}/").json()
    assert [p["url"] for p in post["previews"]] == [article, plain]
    assert Post.objects.get().previews.count() == 2


def test_previews_never_reach_internal_addresses_by_default(captured_events, django_capture_on_commit_callbacks):
    """With nothing relaxed (production), a link to the metadata service yields no preview and no fetch."""
    room = RoomFactory(name="Q", slug="q")
    client = client_for(room.creator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/api/v1/rooms/{room.pk}/messages/",
            {"content": "http://169.254.169.254/latest/meta-data/ http://10.0.0.1/ http://127.0.0.1:1/"},
            format="json",
        )
    assert [event["type"] for _g, event in captured_events] == ["room.message"]
    assert LinkPreview.objects.filter(ok=False).count() == 3
