import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from posts.admin import ReportAdmin
from posts.models import Comment, Post, Report
from rooms.models import Message
from tests.conftest import client_for
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory, make_comment
from tests.posts.conftest import comment_url, post_url

pytestmark = pytest.mark.django_db


def report(client, url, reason="spam"):
    return client.post(f"{url}report/", {"reason": reason}, format="json")


def message_url(room_id, message_id):
    return f"/api/v1/rooms/{room_id}/messages/{message_id}/"


def test_report_post(user, auth_client):
    post = PostFactory(title="Buy pills", content="cheap")
    response = report(auth_client, post_url(post.id))
    assert response.status_code == 201
    body = response.json()
    assert body["target_type"] == "post" and body["target_id"] == post.id
    assert body["status"] == "open" and body["reason"] == "spam"
    stored = Report.objects.get()
    assert (stored.reporter, stored.post, stored.content_author) == (user, post, post.author)
    assert "Buy pills" in stored.content_snapshot


def test_report_twice_is_refused(auth_client):
    post = PostFactory()
    assert report(auth_client, post_url(post.id)).status_code == 201
    assert report(auth_client, post_url(post.id)).status_code == 400
    assert Report.objects.count() == 1


def test_report_comment(auth_client):
    comment = make_comment(post=PostFactory(), content="rude words")
    response = report(auth_client, comment_url(comment.id), "abuse")
    assert response.status_code == 201
    assert response.json()["target_type"] == "comment"
    assert Report.objects.get().content_snapshot == "rude words"


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "x" * 1001}, {"reason": 12}])
def test_report_bad_input(auth_client, payload):
    post = PostFactory()
    assert auth_client.post(f"{post_url(post.id)}report/", payload, format="json").status_code == 400
    assert not Report.objects.exists()


def test_report_needs_authentication(anon_client):
    post = PostFactory()
    assert report(anon_client, post_url(post.id)).status_code == 401


def test_report_chat_message(user, auth_client):
    room = RoomFactory()
    message = Message.objects.create(room=room, author=room.creator, content="flood")
    response = report(auth_client, message_url(room.id, message.id))
    assert response.status_code == 201
    assert response.json()["target_type"] == "message" and response.json()["target_id"] == message.id
    assert Report.objects.get().content_author == room.creator


def test_report_message_of_hidden_room_or_other_room(user, auth_client):
    private = RoomFactory(is_public=False)
    hidden = Message.objects.create(room=private, author=private.creator, content="secret")
    assert report(auth_client, message_url(private.id, hidden.id)).status_code == 404
    public = RoomFactory()
    assert report(auth_client, message_url(public.id, hidden.id)).status_code == 404
    assert report(auth_client, message_url(public.id, 999999)).status_code == 404
    assert report(auth_client, message_url("9" * 25, 1)).status_code == 404
    MembershipFactory(room=private, user=user)
    assert report(auth_client, message_url(private.id, hidden.id)).status_code == 201


# --- the moderation queue in admin -----------------------------------------------------------------


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True, is_superuser=True)


def run_action(action, moderator, reports):
    admin = ReportAdmin(Report, site)
    request = RequestFactory().post("/admin/posts/report/")
    request.user = moderator
    request._messages = type("Messages", (), {"add": lambda *a, **k: None})()
    getattr(admin, action)(request, Report.objects.filter(pk__in=[r.pk for r in reports]))


def test_admin_resolve_keeps_content(moderator, make_client):
    post = PostFactory()
    report(make_client(UserFactory()), post_url(post.id))
    run_action("resolve", moderator, Report.objects.all())
    stored = Report.objects.get()
    assert stored.status == "resolved" and stored.handled_by == moderator and stored.handled_at is not None
    assert Post.objects.filter(pk=post.id).exists()


def test_admin_remove_post_closes_every_report_on_it(moderator):
    post = PostFactory()
    for _ in range(2):
        report(client_for(UserFactory()), post_url(post.id))
    run_action("remove_content", moderator, Report.objects.all()[:1])
    assert not Post.objects.filter(pk=post.id).exists()
    assert set(Report.objects.values_list("status", flat=True)) == {"removed"}
    assert all("Post number" in r.content_snapshot for r in Report.objects.all())


def test_admin_remove_comment_soft_deletes(moderator):
    post = PostFactory()
    comment = make_comment(post=post, content="nasty")
    report(client_for(UserFactory()), comment_url(comment.id))
    run_action("remove_content", moderator, Report.objects.all())
    comment = Comment.objects.get(pk=comment.id)
    assert comment.is_deleted and comment.content == ""
    assert Post.objects.get(pk=post.id).comment_count == 0


def test_admin_remove_message(moderator):
    room = RoomFactory()
    message = Message.objects.create(room=room, author=room.creator, content="flood")
    report(client_for(UserFactory()), message_url(room.id, message.id))
    run_action("remove_content", moderator, Report.objects.all())
    message.refresh_from_db()
    assert message.is_deleted and message.content == ""


def test_admin_ban_author(moderator):
    post = PostFactory()
    report(client_for(UserFactory()), post_url(post.id))
    run_action("ban_author", moderator, Report.objects.all())
    post.author.refresh_from_db()
    assert post.author.is_active is False
    assert Report.objects.get().status == "resolved"
    # A banned author's token no longer works.
    assert client_for(post.author).post("/api/v1/posts/", {"title": "back"}).status_code == 401


def test_admin_queue_pages_render(moderator):
    from django.test import Client

    report(client_for(UserFactory()), post_url(PostFactory().id))
    client = Client()
    client.force_login(moderator)
    for url in ("/admin/posts/report/", "/admin/posts/post/", "/admin/posts/comment/", "/admin/posts/vote/"):
        assert client.get(url).status_code == 200, url
    assert client.get(f"/admin/posts/report/{Report.objects.get().pk}/change/").status_code == 200
