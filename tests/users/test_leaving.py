"""Leaving: DELETE users/me/ erases personal data; GET users/me/export/ gives everything we hold."""

import json

import pytest
from django.core import mail
from social_django.models import UserSocialAuth

from notifications.models import Notification
from posts.models import Post
from tests.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    MessageFactory,
    NotificationFactory,
    PostFactory,
    RoomFactory,
    UserFactory,
    make_comment,
)
from tests.users.test_github_login import OCTOCAT, authorize, github  # noqa: F401 (fixture)
from users import signals
from users.models import Block, Follow, User, UserSkill
from users.services import block_create, follow_create, user_set_skills

pytestmark = pytest.mark.django_db
ME = "/api/v1/users/me/"
PLACEHOLDER = {"id": None, "handle": "deleted", "name": "Deleted user", "avatar": ""}


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def leaver():
    user = UserFactory(email="leaver@example.com", handle="leaver", name="Lee Ver", bio="About me")
    user_set_skills(user=user, skills=[{"skill": "go", "proficiency": "expert"}])
    return user


class TestErase:
    def test_wrong_or_missing_password_400_and_nothing_changes(self, make_client, leaver):
        client = make_client(leaver)
        for body in ({"password": "wrong"}, {}, {"password": ""}, {"password": ["x"]}):
            response = client.delete(ME, body, format="json")
            assert response.status_code == 400, body
        leaver.refresh_from_db()
        assert (leaver.is_active, leaver.email, leaver.erased_at) == (True, "leaver@example.com", None)
        assert UserSkill.objects.filter(user=leaver).exists()

    def test_erase_keeps_content_under_the_placeholder(self, make_client, anon_client, leaver, after_commit):
        other = UserFactory()
        follow_create(follower=leaver, followee=other)
        follow_create(follower=other, followee=leaver)
        block_create(blocker=leaver, blocked=UserFactory())
        post = PostFactory(author=leaver, title="My post")
        comment = make_comment(post=PostFactory(author=other), author=leaver, content="My comment")
        room = RoomFactory(creator=other)
        MembershipFactory(room=room, user=leaver)
        MessageFactory(room=room, author=leaver, content="My message")
        NotificationFactory(recipient=leaver)
        refresh = anon_client.post(
            "/api/v1/auth/login/", {"email": "leaver@example.com", "password": DEFAULT_PASSWORD}
        ).json()["refresh"]
        with after_commit(signals.user_erased, expected=1) as sent:
            response = make_client(leaver).delete(ME, {"password": DEFAULT_PASSWORD})
        assert response.status_code == 204, response.content
        assert [kw["user_id"] for kw in sent.of(signals.user_erased)] == [leaver.pk]

        row = User.objects.get(pk=leaver.pk)
        assert row.email != "leaver@example.com" and "leaver" not in row.email
        assert (row.name, row.bio, row.is_active, row.has_usable_password()) == ("", "", False, False)
        assert not UserSkill.objects.filter(user=row).exists()
        assert not Follow.objects.filter(follower=row).exists() and not Follow.objects.filter(followee=row).exists()
        assert not Block.objects.filter(blocker=row).exists()
        assert not Notification.objects.filter(recipient=row).exists()  # notifications listened

        # Content stays, authored by the placeholder, everywhere a UserSummary appears.
        assert Post.objects.filter(pk=post.pk).exists()
        assert anon_client.get(f"/api/v1/posts/{post.pk}/").json()["author"] == PLACEHOLDER
        comments = anon_client.get(f"/api/v1/posts/{comment.post_id}/comments/").json()["results"]
        assert comments[0]["author"] == PLACEHOLDER and comments[0]["content"] == "My comment"
        messages = make_client(other).get(f"/api/v1/rooms/{room.pk}/messages/").json()["results"]
        assert messages[0]["author"] == PLACEHOLDER
        assert anon_client.get(f"/api/v1/users/{leaver.pk}/").status_code == 404

        # Logging in is impossible, by password or by an old refresh token.
        login = anon_client.post("/api/v1/auth/login/", {"email": "leaver@example.com", "password": DEFAULT_PASSWORD})
        assert login.status_code == 401
        assert anon_client.post("/api/v1/auth/refresh/", {"refresh": refresh}).status_code == 401
        assert anon_client.post("/api/v1/auth/password/reset/", {"email": "leaver@example.com"}).status_code == 202
        assert mail.outbox == []

    def test_a_failing_clean_up_does_not_break_the_erasure(self, make_client, leaver, on_commit):
        NotificationFactory(recipient=leaver)

        def broken(sender, user_id, **kwargs):
            raise RuntimeError("an app's clean-up failed")

        signals.user_erased.connect(broken, weak=False, dispatch_uid="broken")
        try:
            with on_commit(execute=True):
                response = make_client(leaver).delete(ME, {"password": DEFAULT_PASSWORD})
        finally:
            signals.user_erased.disconnect(dispatch_uid="broken")
        assert response.status_code == 204
        assert not Notification.objects.filter(recipient_id=leaver.pk).exists()

    def test_access_token_stops_working(self, make_client, leaver):
        client = make_client(leaver)
        assert client.delete(ME, {"password": DEFAULT_PASSWORD}).status_code == 204
        assert client.get(ME).status_code == 401

    def test_the_address_and_handle_are_free_again(self, make_client, anon_client, leaver):
        assert make_client(leaver).delete(ME, {"password": DEFAULT_PASSWORD}).status_code == 204
        again = anon_client.post(
            "/api/v1/auth/register/",
            {"email": "leaver@example.com", "password": DEFAULT_PASSWORD, "handle": "leaver"},
        )
        assert again.status_code == 201, again.content
        assert again.json()["user"]["id"] != leaver.pk

    def test_rate_limited(self, make_client, leaver, settings):
        settings.RATELIMIT_ACCOUNT = "2/h"
        client = make_client(leaver)
        for _ in range(2):
            assert client.delete(ME, {"password": "wrong"}).status_code == 400
        assert client.delete(ME, {"password": DEFAULT_PASSWORD}).status_code == 429
        leaver.refresh_from_db()
        assert leaver.is_active

    def test_anonymous_401(self, anon_client):
        assert anon_client.delete(ME).status_code == 401


class TestErasePasswordlessAccount:
    def test_needs_a_fresh_github_code_of_the_linked_account(self, anon_client, make_client, github):  # noqa: F811
        from tests.users.github_oauth_server import GitHubAccount

        body = anon_client.post("/api/v1/auth/github/", authorize(anon_client, github, OCTOCAT)).json()
        user = User.objects.get(pk=body["user"]["id"])
        client = make_client(user)
        assert client.delete(ME, {"password": "anything"}).status_code == 400
        stranger = GitHubAccount.with_email(999, "stranger", "s@example.com")
        wrong = client.delete(ME, {"github_code": "x", **_grant(client, github, stranger)}, format="json")
        assert wrong.status_code == 400
        assert User.objects.get(pk=user.pk).is_active
        assert User.objects.count() == 1  # re-authentication never creates an account
        grant = _grant(client, github, OCTOCAT)
        response = client.delete(ME, grant, format="json")
        assert response.status_code == 204, response.content
        assert not UserSocialAuth.objects.exists()
        assert not User.objects.get(pk=user.pk).is_active


def _grant(client, fake, account) -> dict:
    grant = authorize(client, fake, account)
    return {"github_code": grant["code"], "state": grant["state"]}


class TestExport:
    def test_export_is_a_json_attachment_of_everything_about_me(self, make_client, leaver):
        other, blocker = UserFactory(), UserFactory()
        follow_create(follower=leaver, followee=other)
        block_create(blocker=blocker, blocked=leaver)  # someone else's decision: not mine to export
        post = PostFactory(author=leaver, title="Exported post")
        NotificationFactory(recipient=leaver, message="A notification for me")
        response = make_client(leaver).get(f"{ME}export/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        assert response["Content-Disposition"].startswith('attachment; filename="codenest-leaver-')
        data = json.loads(response.content)
        assert data["account"]["email"] == "leaver@example.com"
        assert data["account"]["bio"] == "About me"
        assert "password" not in data["account"]
        records = data["records"]
        assert [row["title"] for row in records["posts.post.author"]] == ["Exported post"]
        assert records["posts.post.author"][0]["id"] == post.pk
        assert records["users.follow.follower"][0]["followee_id"] == other.pk
        assert records["users.userskill.user"][0]["proficiency"] == "expert"
        assert records["notifications.notification.recipient"][0]["message"] == "A notification for me"
        assert "users.block.blocked" not in records
        assert "password" not in response.content.decode().lower().replace('"has_password"', "")

    def test_anonymous_401_and_rate_limited(self, anon_client, make_client, leaver, settings):
        assert anon_client.get(f"{ME}export/").status_code == 401
        settings.RATELIMIT_ACCOUNT = "1/h"
        client = make_client(leaver)
        assert client.get(f"{ME}export/").status_code == 200
        assert client.get(f"{ME}export/").status_code == 429
