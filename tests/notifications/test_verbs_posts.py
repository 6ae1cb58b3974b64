"""`comment`, `reply` and `mention` notifications from the real posts endpoints."""

import pytest

from notifications.models import Notification
from tests.factories import MembershipFactory, NotificationPreferenceFactory, PostFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def comments_url(post) -> str:
    return f"{POSTS}{post.pk}/comments/"


def notifications_of(user) -> list[tuple[str, int | None]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("verb", "actor_id"))


@pytest.fixture
def comment(make_client, on_commit):
    """comment(author, post, content, parent=None) → the created comment's JSON, signals delivered."""

    def create(author, post, content="Nice one.", parent=None):
        body = {"content": content} | ({"parent": parent} if parent else {})
        with on_commit():
            response = make_client(author).post(comments_url(post), body)
        assert response.status_code == 201, response.content
        return response.json()

    return create


class TestComment:
    def test_comment_notifies_the_post_author(self, comment, make_client):
        author, commenter = UserFactory(), UserFactory()
        post = PostFactory(author=author, title="Borrow checker tips")
        created = comment(commenter, post, "Great tips!")
        notification = Notification.objects.get(recipient=author)
        assert (notification.verb, notification.actor) == ("comment", commenter)
        assert (notification.target_type, notification.target_id) == ("comment", created["id"])
        assert notification.link == f"/posts/{post.pk}#comment-{created['id']}"
        assert "Borrow checker tips" in notification.message and commenter.handle in notification.message
        listed = make_client(author).get("/api/v1/notifications/").json()["results"]
        assert [n["verb"] for n in listed] == ["comment"]
        assert notifications_of(commenter) == []

    def test_commenting_on_your_own_post_notifies_nobody(self, comment):
        author = UserFactory()
        comment(author, PostFactory(author=author))
        assert not Notification.objects.exists()

    def test_muted_comment(self, comment):
        author = UserFactory()
        NotificationPreferenceFactory(user=author, muted_verbs=["comment"])
        comment(UserFactory(), PostFactory(author=author))
        assert not Notification.objects.exists()


class TestReply:
    def test_reply_notifies_the_parent_author_and_the_post_author(self, comment):
        post_author, first, replier = UserFactory(), UserFactory(), UserFactory()
        post = PostFactory(author=post_author)
        parent = comment(first, post, "First!")
        Notification.objects.all().delete()
        reply = comment(replier, post, "Replying.", parent=parent["id"])
        assert notifications_of(first) == [("reply", replier.pk)]
        assert notifications_of(post_author) == [("comment", replier.pk)]
        assert Notification.objects.get(recipient=first).target_id == reply["id"]

    def test_reply_to_my_comment_on_my_post_is_one_notification(self, comment):
        author, replier = UserFactory(), UserFactory()
        post = PostFactory(author=author)
        parent = comment(author, post, "Author's note.")
        comment(replier, post, "Thanks.", parent=parent["id"])
        assert notifications_of(author) == [("reply", replier.pk)]

    def test_replying_to_yourself_notifies_only_the_post_author(self, comment):
        post_author, talker = UserFactory(), UserFactory()
        post = PostFactory(author=post_author)
        parent = comment(talker, post, "One.")
        comment(talker, post, "Two.", parent=parent["id"])
        assert notifications_of(talker) == []
        assert notifications_of(post_author) == [("comment", talker.pk), ("comment", talker.pk)]

    def test_muted_reply_keeps_other_verbs(self, comment):
        post_author, first, replier = UserFactory(), UserFactory(), UserFactory()
        NotificationPreferenceFactory(user=first, muted_verbs=["reply"])
        post = PostFactory(author=post_author)
        parent = comment(first, post, "Hi.")
        comment(replier, post, f"@{first.handle} hello", parent=parent["id"])
        assert notifications_of(first) == []  # muted reply; a mention in a reply is not a second notification


class TestMentionsInPosts:
    def create_post(self, make_client, on_commit, author, **body):
        with on_commit():
            response = make_client(author).post(POSTS, {"title": "Hello", "content": "", **body})
        assert response.status_code == 201, response.content
        return response.json()

    def test_mention_in_a_post(self, make_client, on_commit):
        author, mentioned = UserFactory(), UserFactory(handle="grace")
        post = self.create_post(make_client, on_commit, author, content="Thoughts, @grace? Also @nobody-here.")
        notification = Notification.objects.get(recipient=mentioned)
        assert (notification.verb, notification.actor) == ("mention", author)
        assert (notification.target_type, notification.target_id, notification.link) == (
            "post",
            post["id"],
            f"/posts/{post['id']}",
        )
        assert Notification.objects.filter(verb="mention").count() == 1

    def test_mentioning_yourself_notifies_nobody(self, make_client, on_commit):
        author = UserFactory(handle="narcissus")
        self.create_post(make_client, on_commit, author, title="Me, @narcissus", content="@narcissus again")
        assert not Notification.objects.filter(verb="mention").exists()

    def test_mention_in_a_private_room_reaches_only_members(self, make_client, on_commit):
        author, member, outsider = UserFactory(), UserFactory(handle="member1"), UserFactory(handle="outsider1")
        room = RoomFactory(is_public=False, creator=author)
        MembershipFactory(room=room, user=member)
        self.create_post(make_client, on_commit, author, content="@member1 @outsider1 look", room=room.pk)
        assert notifications_of(member) == [("mention", author.pk)]
        assert notifications_of(outsider) == []

    def test_mention_in_a_public_room_reaches_anyone(self, make_client, on_commit):
        author, reader = UserFactory(), UserFactory(handle="reader1")
        room = RoomFactory(is_public=True, creator=author)
        self.create_post(make_client, on_commit, author, content="@reader1 see this", room=room.pk)
        assert notifications_of(reader) == [("mention", author.pk)]

    def test_muted_mention(self, make_client, on_commit):
        author, mentioned = UserFactory(), UserFactory(handle="quiet1")
        NotificationPreferenceFactory(user=mentioned, muted_verbs=["mention"])
        self.create_post(make_client, on_commit, author, content="@quiet1")
        assert notifications_of(mentioned) == []


class TestMentionsInComments:
    def test_mention_in_a_comment(self, comment):
        post_author, commenter, mentioned = UserFactory(), UserFactory(), UserFactory(handle="linus")
        post = PostFactory(author=post_author)
        created = comment(commenter, post, "cc @linus")
        notification = Notification.objects.get(recipient=mentioned)
        assert (notification.verb, notification.actor, notification.target_type) == ("mention", commenter, "comment")
        assert notification.target_id == created["id"]
        assert notifications_of(post_author) == [("comment", commenter.pk)]

    def test_post_author_mentioned_gets_one_notification(self, comment):
        post_author, commenter = UserFactory(handle="ada"), UserFactory()
        comment(commenter, PostFactory(author=post_author), "@ada what do you think?")
        assert notifications_of(post_author) == [("comment", commenter.pk)]

    def test_comment_mention_in_a_private_room_post_reaches_only_members(self, comment):
        owner, member, outsider = UserFactory(), UserFactory(handle="member2"), UserFactory(handle="outsider2")
        room = RoomFactory(is_public=False, creator=owner)
        MembershipFactory(room=room, user=member)
        post = PostFactory(author=owner, room=room)
        comment(owner, post, "@member2 @outsider2 thoughts?")
        assert notifications_of(member) == [("mention", owner.pk)]
        assert notifications_of(outsider) == []
