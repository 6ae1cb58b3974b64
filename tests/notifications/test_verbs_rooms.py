"""`mention` (chat) and `room_invite` notifications from the real rooms endpoints and chat socket."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from codenest.asgi import application
from notifications.models import Notification
from tests.conftest import access_token_for
from tests.factories import MembershipFactory, NotificationPreferenceFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def notifications_of(user) -> list[tuple[str, int | None]]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("verb", "actor_id"))


def post_message(make_client, on_commit, author, room, content):
    with on_commit():
        response = make_client(author).post(f"/api/v1/rooms/{room.pk}/messages/", {"content": content})
    assert response.status_code == 201, response.content
    return response.json()


class TestChatMentions:
    def test_mention_in_chat(self, make_client, on_commit):
        author, mentioned = UserFactory(), UserFactory(handle="bob")
        room = RoomFactory(creator=author, name="Rustaceans")
        MembershipFactory(room=room, user=mentioned)
        message = post_message(make_client, on_commit, author, room, "@bob can you review?")
        notification = Notification.objects.get(recipient=mentioned)
        assert (notification.verb, notification.actor) == ("mention", author)
        assert (notification.target_type, notification.target_id) == ("message", message["id"])
        assert notification.link == f"/rooms/{room.pk}?message={message['id']}"
        assert notification.data == {"room": room.pk}
        assert "Rustaceans" in notification.message and "can you review?" in notification.message

    def test_private_room_mention_of_an_outsider_creates_nothing(self, make_client, on_commit):
        author, outsider, member = UserFactory(), UserFactory(handle="outsider3"), UserFactory(handle="member3")
        room = RoomFactory(creator=author, is_public=False)
        MembershipFactory(room=room, user=member)
        post_message(make_client, on_commit, author, room, "@outsider3 @member3 secret plans")
        assert notifications_of(outsider) == []
        assert notifications_of(member) == [("mention", author.pk)]

    def test_mentioning_yourself_in_chat(self, make_client, on_commit):
        author = UserFactory(handle="echo1")
        post_message(make_client, on_commit, author, RoomFactory(creator=author), "note to @echo1")
        assert notifications_of(author) == []

    def test_muted_chat_mention(self, make_client, on_commit):
        author, mentioned = UserFactory(), UserFactory(handle="quiet2")
        room = RoomFactory(creator=author)
        MembershipFactory(room=room, user=mentioned)
        NotificationPreferenceFactory(user=mentioned, muted_verbs=["mention"])
        post_message(make_client, on_commit, author, room, "@quiet2 hi")
        assert notifications_of(mentioned) == []


class TestRoomInvite:
    def test_invite_with_a_user_notifies_them_with_the_code(self, make_client, on_commit):
        owner, invitee = UserFactory(), UserFactory()
        room = RoomFactory(creator=owner, is_public=False, name="Secret club")
        with on_commit():
            response = make_client(owner).post(f"/api/v1/rooms/{room.pk}/invites/", {"user": invitee.pk})
        assert response.status_code == 201, response.content
        code = response.json()["code"]
        notification = Notification.objects.get(recipient=invitee)
        assert (notification.verb, notification.actor) == ("room_invite", owner)
        assert (notification.target_type, notification.target_id) == ("room", room.pk)
        assert notification.data == {"room": room.pk, "code": code}
        assert code in notification.link and "Secret club" in notification.message
        # The code the notification carries lets the invitee in.
        listed = make_client(invitee).get("/api/v1/notifications/").json()["results"][0]
        joined = make_client(invitee).post(f"/api/v1/rooms/{room.pk}/join/", {"code": listed["data"]["code"]})
        assert joined.status_code == 200, joined.content

    def test_invite_without_a_user_notifies_nobody(self, make_client, on_commit):
        owner = UserFactory()
        room = RoomFactory(creator=owner, is_public=False)
        with on_commit():
            response = make_client(owner).post(f"/api/v1/rooms/{room.pk}/invites/", {})
        assert response.status_code == 201, response.content
        assert not Notification.objects.filter(verb="room_invite").exists()

    def test_refused_invite_notifies_nobody(self, make_client, on_commit):
        owner, member, invitee = UserFactory(), UserFactory(), UserFactory()
        room = RoomFactory(creator=owner, is_public=False)
        MembershipFactory(room=room, user=member)
        with on_commit():
            response = make_client(member).post(f"/api/v1/rooms/{room.pk}/invites/", {"user": invitee.pk})
        assert response.status_code == 403
        assert notifications_of(invitee) == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(30)
@pytest.mark.usefixtures("close_db_connections_after")
async def test_mention_sent_over_the_chat_socket_reaches_the_notification_socket():
    author = await sync_to_async(UserFactory)()
    mentioned = await sync_to_async(UserFactory)(handle="carol")
    room = await sync_to_async(RoomFactory)(creator=author)
    await sync_to_async(MembershipFactory)(room=room, user=mentioned)

    author_token = await sync_to_async(access_token_for)(author)
    chat = WebsocketCommunicator(application, f"/ws/rooms/{room.pk}/?token={author_token}")
    assert (await chat.connect(timeout=5))[0]
    mentioned_token = await sync_to_async(access_token_for)(mentioned)
    inbox = WebsocketCommunicator(application, f"/ws/notifications/?token={mentioned_token}")
    assert (await inbox.connect(timeout=5))[0]
    assert await inbox.receive_json_from(timeout=5) == {"type": "unread_count", "count": 0}

    await chat.send_json_to({"type": "message.send", "content": "@carol ping from the socket", "client_id": "c-1"})
    frame = await inbox.receive_json_from(timeout=5)
    assert frame["type"] == "notification"
    assert frame["notification"]["verb"] == "mention"
    assert frame["notification"]["actor"]["id"] == author.pk
    assert await inbox.receive_json_from(timeout=5) == {"type": "unread_count", "count": 1}
    await chat.disconnect()
    await inbox.disconnect()
