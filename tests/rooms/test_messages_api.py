"""Chat messages over REST: history, posting (idempotent), code blocks, mentions, edit, delete, reactions."""

import pytest
from django.test import override_settings

from codenest.realtime import room_group
from rooms import signals
from rooms.models import Message, MessageKind, Reaction, Room
from tests.factories import MembershipFactory, MessageFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

MESSAGE_FIELDS = {
    "id", "room", "author", "kind", "content", "code_language", "attachment", "parent", "reactions", "client_id",
    "created_at", "edited_at", "is_deleted", "attachments", "previews", "data",
}  # fmt: skip


def url(room, suffix=""):
    return f"/api/v1/rooms/{room.id}/messages/{suffix}"


# --- history ----------------------------------------------------------------------------------


def test_history_is_newest_first_and_cursor_paginated(make_client, room, owner, member):
    messages = [MessageFactory(room=room, author=owner) for _ in range(25)]
    MessageFactory()  # another room's
    client = make_client(member)
    first = client.get(url(room)).json()
    assert [m["id"] for m in first["results"]] == [m.id for m in reversed(messages)][:20]
    assert set(first["results"][0]) == MESSAGE_FIELDS
    second = client.get(first["next"]).json()
    assert [m["id"] for m in second["results"]] == [m.id for m in reversed(messages)][20:]
    assert second["next"] is None


def test_history_before_and_after(make_client, room, owner, member):
    ids = [MessageFactory(room=room, author=owner).id for _ in range(6)]
    client = make_client(member)
    assert [m["id"] for m in client.get(url(room), {"before": ids[3]}).json()["results"]] == ids[2::-1]
    assert [m["id"] for m in client.get(url(room), {"after": ids[3]}).json()["results"]] == ids[:3:-1]
    assert client.get(url(room), {"before": "abc"}).status_code == 400
    assert client.get(url(room), {"after": "-5"}).status_code == 400
    assert client.get(url(room), {"after": str(10**30)}).status_code == 400


def test_history_members_only(make_client, room, private_room, outsider, anon_client):
    assert make_client(outsider).get(url(room)).status_code == 403
    assert make_client(outsider).get(url(private_room)).status_code == 404
    assert anon_client.get(url(room)).status_code == 401


def test_history_query_count_does_not_grow(make_client, room, owner, member, count_queries):
    client = make_client(member)
    MessageFactory(room=room, author=owner)
    few, _ = count_queries(lambda: client.get(url(room)))
    for _ in range(15):
        message = MessageFactory(room=room, author=UserFactory())
        Reaction.objects.create(message=message, user=owner, emoji="👍")
    many, response = count_queries(lambda: client.get(url(room)))
    assert len(response.json()["results"]) == 16
    assert few == many


def test_deleted_message_keeps_its_place_with_no_content(make_client, room, owner, member):
    kept = MessageFactory(room=room, author=owner, content="secret", is_deleted=True)
    body = make_client(member).get(url(room)).json()["results"][0]
    assert body["id"] == kept.id and body["content"] == "" and body["is_deleted"] is True


# --- posting ----------------------------------------------------------------------------------


def test_post_stores_then_broadcasts(make_client, room, member, captured_events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(member).post(url(room), {"content": "hello", "client_id": "c-1"})
    assert response.status_code == 201
    body = response.json()
    assert body["content"] == "hello" and body["kind"] == "text" and body["author"]["handle"] == "mia"
    assert body["client_id"] == "c-1" and body["reactions"] == [] and body["room"] == room.id
    message = Message.objects.get()
    assert message.author == member
    room.refresh_from_db()
    assert room.last_message_at == message.created_at
    assert captured_events == [
        (room_group(room.id), {"type": "room.message", "message": body, "reactors": {}}),
    ]


def test_same_client_id_returns_the_same_message_and_broadcasts_nothing(
    make_client, room, member, captured_events, django_capture_on_commit_callbacks
):
    client = make_client(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url(room), {"content": "once", "client_id": "retry-1"})
        second = client.post(url(room), {"content": "once", "client_id": "retry-1"})
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert Message.objects.count() == 1
    assert len(captured_events) == 1
    other_room = RoomFactory()
    MembershipFactory(room=other_room, user=member)
    assert client.post(url(other_room), {"content": "x", "client_id": "retry-1"}).status_code == 400


def test_client_ids_are_per_author(make_client, room, owner, member):
    assert make_client(owner).post(url(room), {"content": "a", "client_id": "same"}).status_code == 201
    assert make_client(member).post(url(room), {"content": "b", "client_id": "same"}).status_code == 201
    assert Message.objects.count() == 2


def test_one_fenced_code_block_becomes_a_code_message(make_client, room, member):
    response = make_client(member).post(url(room), {"content": "```python\nprint('hi')\n```"})
    body = response.json()
    assert body["kind"] == "code" and body["code_language"] == "python" and body["content"] == "print('hi')"
    mixed = make_client(member).post(url(room), {"content": "look:\n```js\nx()\n```"}).json()
    assert mixed["kind"] == "text"
    two = make_client(member).post(url(room), {"content": "```\na\n```\n```\nb\n```"}).json()
    assert two["kind"] == "text"
    explicit = make_client(member).post(url(room), {"content": "x = 1", "kind": "code", "code_language": "py"})
    assert explicit.json()["kind"] == "code" and explicit.json()["code_language"] == "py"


def test_replies_stay_in_the_room(make_client, room, owner, member):
    parent = MessageFactory(room=room, author=owner)
    response = make_client(member).post(url(room), {"content": "re", "parent": parent.id})
    assert response.status_code == 201 and response.json()["parent"] == parent.id
    foreign = MessageFactory()
    assert make_client(member).post(url(room), {"content": "re", "parent": foreign.id}).status_code == 400
    assert Message.objects.filter(author=member).count() == 1


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"content": ""},
        {"content": "   "},
        {"content": "x" * 4001},
        {"content": 5},
        {"content": ["a"]},
        {"content": "ok", "kind": "system"},
        {"content": "ok", "kind": "file"},
        {"content": "ok", "parent": "first"},
        {"content": "ok", "parent": 10**30},
        {"content": "ok", "client_id": "c" * 65},
        {"content": "ok", "code_language": "l" * 31},
    ],
)
def test_post_rejects_bad_input(make_client, room, member, payload):
    assert make_client(member).post(url(room), payload, format="json").status_code == 400
    assert not Message.objects.exists()


def test_post_accepts_exactly_the_limit(make_client, room, member):
    assert make_client(member).post(url(room), {"content": "x" * 4000}).status_code == 201


def test_post_rejects_malformed_json(make_client, room, member):
    response = make_client(member).post(url(room), '{"content": ', content_type="application/json")
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_post_permissions(make_client, room, outsider, owner, anon_client):
    assert make_client(outsider).post(url(room), {"content": "hi"}).status_code == 403
    assert anon_client.post(url(room), {"content": "hi"}).status_code == 401
    Room.objects.filter(pk=room.pk).update(is_archived=True)
    assert make_client(owner).post(url(room), {"content": "hi"}).status_code == 403
    assert not Message.objects.exists()


@override_settings(RATELIMIT_CHAT="3/m")
def test_post_is_rate_limited_per_user(make_client, room, owner, member):
    client = make_client(member)
    for n in range(3):
        assert client.post(url(room), {"content": f"m{n}"}).status_code == 201
    limited = client.post(url(room), {"content": "too many"})
    assert limited.status_code == 429 and limited.json()["retry_after"] >= 1 and limited["Retry-After"]
    assert make_client(owner).post(url(room), {"content": "others still can"}).status_code == 201
    assert Message.objects.count() == 4


def test_mentions_go_to_users_who_can_see_the_room(make_client, private_room, owner, after_commit):
    insider = MembershipFactory(room=private_room, user=UserFactory(handle="insider")).user
    UserFactory(handle="stranger")
    with after_commit(signals.message_posted, expected=1) as sent:
        make_client(owner).post(url(private_room), {"content": "@insider @stranger @olivia look"})
    received = sent.of(signals.message_posted)
    assert received[0]["message"].content == "@insider @stranger @olivia look"
    assert received[0]["mentioned_users"] == [insider]


def test_public_room_mentions_reach_non_members(make_client, room, member, after_commit):
    reader = UserFactory(handle="reader")
    with after_commit(signals.message_posted, expected=1, expected_events=2) as sent:
        make_client(member).post(url(room), {"content": "hi @reader"})
    assert [kw["mentioned_users"] for kw in sent.of(signals.message_posted)] == [[reader]]
    assert [(group, event["type"]) for group, event in sent.events] == [
        (f"room.{room.pk}", "room.message"),
        (f"user.{reader.pk}", "notification.created"),
    ]


# --- edit / delete ----------------------------------------------------------------------------


def test_author_edits(make_client, room, member, moderator, captured_events, django_capture_on_commit_callbacks):
    message = MessageFactory(room=room, author=member, content="teh")
    assert make_client(moderator).patch(url(room, f"{message.id}/"), {"content": "x"}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(member).patch(url(room, f"{message.id}/"), {"content": "the"})
    assert response.status_code == 200
    assert response.json()["content"] == "the" and response.json()["edited_at"] is not None
    assert captured_events[-1][1]["type"] == "room.message_updated"
    assert captured_events[-1][1]["message"]["content"] == "the"
    assert make_client(member).patch(url(room, f"{message.id}/"), {"content": ""}).status_code == 400
    assert make_client(member).patch(url(room, f"{message.id}/"), {"content": "y" * 4001}).status_code == 400
    message.refresh_from_db()
    assert message.content == "the"


def test_edit_or_delete_other_rooms_message_is_404(make_client, room, member):
    foreign = MessageFactory(author=member)
    MembershipFactory(room=foreign.room, user=member)
    assert make_client(member).patch(url(room, f"{foreign.id}/"), {"content": "x"}).status_code == 404
    assert make_client(member).delete(url(room, f"{foreign.id}/")).status_code == 404
    assert make_client(member).delete(url(room, "999999999999999999999999/")).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.is_deleted


def test_delete_by_author_or_moderator_is_soft(
    make_client, room, owner, moderator, member, captured_events, django_capture_on_commit_callbacks
):
    mine = MessageFactory(room=room, author=member)
    theirs = MessageFactory(room=room, author=owner)
    assert make_client(member).delete(url(room, f"{theirs.id}/")).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert make_client(member).delete(url(room, f"{mine.id}/")).status_code == 204
        assert make_client(moderator).delete(url(room, f"{theirs.id}/")).status_code == 204
    for message in (mine, theirs):
        message.refresh_from_db()
        assert message.is_deleted and message.content == ""
    assert [e["type"] for _, e in captured_events] == ["room.message_deleted", "room.message_deleted"]
    assert captured_events[0][1]["id"] == mine.id
    assert make_client(member).patch(url(room, f"{mine.id}/"), {"content": "undo"}).status_code == 403


def test_retrieve_one_message(make_client, room, member, owner):
    message = MessageFactory(room=room, author=owner)
    assert make_client(member).get(url(room, f"{message.id}/")).json()["id"] == message.id


# --- reactions --------------------------------------------------------------------------------


def test_reactions_add_and_remove(
    make_client, room, owner, member, captured_events, django_capture_on_commit_callbacks
):
    message = MessageFactory(room=room, author=owner)
    reactions = url(room, f"{message.id}/reactions/")
    with django_capture_on_commit_callbacks(execute=True):
        assert make_client(owner).post(reactions, {"emoji": "👍"}).status_code == 200
        body = make_client(member).post(reactions, {"emoji": "👍"}).json()
        make_client(member).post(reactions, {"emoji": "👍"})  # twice is once
    assert body["reactions"] == [{"emoji": "👍", "count": 2, "me": True}]
    assert Reaction.objects.count() == 2
    assert [e["count"] for _, e in captured_events] == [1, 2]
    assert captured_events[-1][1] == {
        "type": "room.reaction",
        "message_id": message.id,
        "emoji": "👍",
        "user": {"id": member.id, "handle": "mia", "name": member.name, "avatar": ""},
        "action": "added",
        "count": 2,
    }
    with django_capture_on_commit_callbacks(execute=True):
        body = make_client(member).delete(reactions, {"emoji": "👍"}).json()
    assert body["reactions"] == [{"emoji": "👍", "count": 1, "me": False}]
    assert captured_events[-1][1]["action"] == "removed" and captured_events[-1][1]["count"] == 1
    assert make_client(owner).delete(f"{reactions}?emoji=👍").json()["reactions"] == []


def test_reaction_bad_input_and_permissions(make_client, room, owner, member, outsider):
    message = MessageFactory(room=room, author=owner)
    reactions = url(room, f"{message.id}/reactions/")
    assert make_client(member).post(reactions, {}).status_code == 400
    assert make_client(member).post(reactions, {"emoji": "x" * 33}).status_code == 400
    assert make_client(member).post(reactions, {"emoji": "a b"}).status_code == 400
    assert make_client(outsider).post(reactions, {"emoji": "👍"}).status_code == 403
    assert make_client(member).post(url(room, "424242/reactions/"), {"emoji": "👍"}).status_code == 404
    deleted = MessageFactory(room=room, author=owner, is_deleted=True)
    assert make_client(member).post(url(room, f"{deleted.id}/reactions/"), {"emoji": "👍"}).status_code == 400
    assert not Reaction.objects.exists()


def test_kinds_are_stored(room, member):
    from rooms.services import message_post

    message, created = message_post(room=room, author=member, content="```sql\nselect 1\n```")
    assert created and message.kind == MessageKind.CODE and message.code_language == "sql"
