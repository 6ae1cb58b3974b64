"""direct_message and message_request notifications, and e-mail digests counting unread conversations."""

import pytest
from django.core import mail

from notifications.models import Notification, Verb
from notifications.services import digests_send
from rooms.conversations import services as conversation_services
from rooms.services import message_post, read_marker_set
from tests.factories import NotificationPreferenceFactory, UserFactory
from users.models import Follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    return UserFactory(handle="ann")


@pytest.fixture
def ben(db):
    return UserFactory(handle="ben")


def notes(user, verb=None):
    found = Notification.objects.filter(recipient=user).order_by("id")
    return list(found.filter(verb=verb) if verb else found)


def start(on_commit, starter, *others, **kwargs):
    with on_commit():
        room, _ = conversation_services.conversation_start(starter=starter, participants=list(others), **kwargs)
    return room


def post(on_commit, room, author, content):
    with on_commit():
        message, _ = message_post(room=room, author=author, content=content)
    return message


def test_one_unread_direct_message_notification_per_conversation(on_commit, ann, ben):
    Follow.objects.create(follower=ben, followee=ann)
    room = start(on_commit, ann, ben, content="first")
    post(on_commit, room, ann, "second")
    last = post(on_commit, room, ann, "third")
    [note] = notes(ben)
    assert note.verb == Verb.DIRECT_MESSAGE and not note.is_read
    assert note.actor == ann and note.target_type == "conversation" and note.target_id == room.id
    assert "third" in note.message and note.data == {"conversation": room.id, "message": last.id}
    assert notes(ann) == []  # the author hears nothing of their own messages
    # once read, the next message notifies again
    Notification.objects.filter(pk=note.pk).update(is_read=True)
    post(on_commit, room, ann, "fourth")
    assert [(n.verb, n.is_read) for n in notes(ben)] == [(Verb.DIRECT_MESSAGE, True), (Verb.DIRECT_MESSAGE, False)]


def test_message_request_once_per_conversation(on_commit, ann, ben):
    room = start(on_commit, ann, ben)  # no message yet: the request is announced on start
    post(on_commit, room, ann, "one")
    post(on_commit, room, ann, "two")
    [note] = notes(ben)
    assert note.verb == Verb.MESSAGE_REQUEST and note.actor == ann and note.target_id == room.id
    assert note.link == f"/conversations/{room.id}"
    # accepting turns further messages into direct_message notifications
    conversation_services.conversation_accept(room=room, user=ben)
    post(on_commit, room, ann, "three")
    assert [n.verb for n in notes(ben)] == [Verb.MESSAGE_REQUEST, Verb.DIRECT_MESSAGE]


def test_muted_and_declined_conversations_notify_nothing(on_commit, ann, ben):
    carl = UserFactory(handle="carl")
    Follow.objects.create(follower=ben, followee=ann)
    room = start(on_commit, ann, ben)
    conversation_services.conversation_update(room=room, user=ben, muted=True)
    post(on_commit, room, ann, "psst")
    assert notes(ben) == []
    request = start(on_commit, carl, ann)
    assert [n.verb for n in notes(ann)] == [Verb.MESSAGE_REQUEST]
    conversation_services.conversation_decline(room=request, user=ann)
    post(on_commit, request, carl, "still there?")
    assert [n.verb for n in notes(ann)] == [Verb.MESSAGE_REQUEST]


def test_group_members_and_mentions(on_commit, ann, ben):
    cid = UserFactory(handle="cid")
    Follow.objects.create(follower=ben, followee=ann)  # ben active; cid gets a request
    room = start(on_commit, ann, ben, cid, title="Crew")
    assert [n.verb for n in notes(cid)] == [Verb.MESSAGE_REQUEST]
    post(on_commit, room, ann, "hey @ben and @cid")
    assert sorted(n.verb for n in notes(ben)) == [Verb.DIRECT_MESSAGE, Verb.MENTION]
    assert "Crew" in notes(ben, Verb.DIRECT_MESSAGE)[0].message
    # a pending request's recipient is not mentioned into a conversation they did not accept
    assert [n.verb for n in notes(cid)] == [Verb.MESSAGE_REQUEST]


def test_digest_counts_unread_conversations(on_commit, ann, ben):
    Follow.objects.create(follower=ben, followee=ann)
    NotificationPreferenceFactory(user=ben, email_digest="daily")
    room = start(on_commit, ann, ben)
    message = post(on_commit, room, ann, "read me")
    other = start(on_commit, UserFactory(), ben)
    conversation_services.conversation_accept(room=other, user=ben)
    post(on_commit, other, other.creator, "me too")
    Notification.objects.all().delete()  # only the conversations remain to tell about
    assert digests_send(period="daily")["sent"] == 1
    [email] = mail.outbox
    assert "2 unread conversations" in email.body and "2 unread conversations" in email.subject
    assert "/conversations" in email.body
    # after reading one, the next period's digest counts one
    read_marker_set(room=room, user=ben, message_id=message.id)
    mail.outbox.clear()
    from notifications.selectors import digest_unread_conversations

    assert digest_unread_conversations(user=ben) == 1
