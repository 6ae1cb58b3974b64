"""conversations/ over HTTP (the "conversations" operations): starting, the list, requests, privacy."""

import pytest
from django.db import IntegrityError

from rooms.conversations import services as conversation_services
from rooms.models import Membership, Message, ParticipantStatus, ReadMarker, Room, RoomKind
from rooms.services import message_post, reaction_add
from tests.factories import UserFactory
from users.models import Block, Follow

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations/"


@pytest.fixture
def ann(db):
    return UserFactory(handle="ann")


@pytest.fixture
def ben(db):
    return UserFactory(handle="ben")


@pytest.fixture
def cat(db):
    return UserFactory(handle="cat")


def follow(follower, followee):
    Follow.objects.create(follower=follower, followee=followee)


def start(client, *ids, **body):
    return client.post(URL, {"participants": list(ids), **body}, format="json")


def status_of(room_id, user):
    return Membership.objects.get(room_id=room_id, user=user).status


def summary(user):
    return {"id": user.id, "handle": user.handle, "name": user.name, "avatar": user.avatar}


# --- starting ------------------------------------------------------------------------------------


def test_start_direct_conversation_with_first_message(make_client, ann, ben):
    follow(ben, ann)  # ben follows ann: no request
    response = start(make_client(ann), ben.id, content="hi ben")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) >= {"id", "kind", "title", "participants", "status", "last_message", "unread_count", "created_at"}
    assert body["kind"] == "direct" and body["title"] is None and body["status"] == "active"
    assert body["participants"] == [summary(ann), summary(ben)]
    assert body["last_message"]["content"] == "hi ben" and body["last_message"]["author"] == summary(ann)
    assert body["unread_count"] == 0
    assert "email" not in str(body)
    room = Room.objects.get(pk=body["id"])
    assert room.kind == RoomKind.DIRECT and not room.is_public
    assert status_of(room.id, ben) == ParticipantStatus.ACTIVE
    # ben sees it with one unread message
    seen = make_client(ben).get(f"{URL}{room.id}/").json()
    assert seen["status"] == "active" and seen["unread_count"] == 1


def test_second_start_returns_the_same_direct_conversation(make_client, ann, ben):
    first = start(make_client(ann), ben.id)
    assert first.status_code == 201
    again = start(make_client(ann), ben.id, content="again")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    # the other way round too: one conversation per pair
    reverse = start(make_client(ben), ann.id)
    assert reverse.status_code == 200 and reverse.json()["id"] == first.json()["id"]
    assert Room.objects.conversations().count() == 1
    assert Message.objects.filter(room_id=first.json()["id"]).count() == 1


def test_one_direct_conversation_per_pair_is_a_database_rule(ann, ben):
    room, _ = conversation_services.conversation_start(starter=ann, participants=[ben])
    with pytest.raises(IntegrityError):
        Room.objects.create(kind=RoomKind.DIRECT, slug="dup", direct_key=room.direct_key)


def test_group_of_three_to_ten_with_title(make_client, ann, ben, cat):
    response = start(make_client(ann), ben.id, cat.id, title="  Launch crew ", content="hello all")
    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == "group" and body["title"] == "Launch crew"
    assert [p["handle"] for p in body["participants"]] == ["ann", "ben", "cat"]
    # a second start with the same people is a new group (only direct conversations are unique)
    assert start(make_client(ann), ben.id, cat.id).status_code == 201
    nine = UserFactory.create_batch(9)
    assert start(make_client(ann), *[u.id for u in nine]).status_code == 201  # 10 people


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"participants": []},
        {"participants": "2"},
        {"participants": 5},
        {"participants": [True]},
        {"participants": [1.5]},
        {"participants": ["abc"]},
        {"participants": [{"id": 1}]},
        {"participants": [None]},
        {"participants": [0]},
        {"participants": [-3]},
        {"participants": [2**70]},
        {"participants": [99999]},
        {"participants": "__SELF__"},
        {"participants": "__DUP__"},
        {"participants": "__ELEVEN__"},
        {"participants": "__OK__", "content": 5},
        {"participants": "__OK__", "content": "x" * 4001},
        {"participants": "__OK__", "title": "hello"},
        {"participants": "__GROUP__", "title": "x" * 101},
        {"participants": "__GROUP__", "title": ["t"]},
    ],
)
def test_bad_input_is_400_and_writes_nothing(make_client, ann, ben, cat, body):
    specials = {
        "__SELF__": [ann.id],
        "__DUP__": [ben.id, ben.id],
        "__ELEVEN__": [u.id for u in UserFactory.create_batch(10)],
        "__OK__": [ben.id],
        "__GROUP__": [ben.id, cat.id],
    }
    if isinstance(body.get("participants"), str) and body["participants"] in specials:
        body = {**body, "participants": specials[body["participants"]]}
    response = make_client(ann).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert "participants" in response.json() or "content" in response.json() or "title" in response.json()
    assert not Room.objects.conversations().exists() and not Message.objects.exists()


def test_malformed_json_and_inactive_users(make_client, ann, ben):
    response = make_client(ann).post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    ben.is_active = False
    ben.save(update_fields=["is_active"])
    assert start(make_client(ann), ben.id).status_code == 400


def test_anonymous_is_401(anon_client, ben):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.post(URL, {"participants": [ben.id]}, format="json").status_code == 401


# --- message requests -----------------------------------------------------------------------------


def test_stranger_conversation_arrives_as_request(make_client, ann, ben):
    room_id = start(make_client(ann), ben.id, content="hello stranger").json()["id"]
    assert status_of(room_id, ben) == ParticipantStatus.REQUEST
    assert status_of(room_id, ann) == ParticipantStatus.ACTIVE
    ben_client = make_client(ben)
    requests = ben_client.get(f"{URL}?status=request").json()["results"]
    assert [c["id"] for c in requests] == [room_id] and requests[0]["status"] == "request"
    assert ben_client.get(f"{URL}?status=active").json()["results"] == []
    assert [c["id"] for c in ben_client.get(URL).json()["results"]] == [room_id]  # all of mine
    assert make_client(ann).get(f"{URL}?status=request").json()["results"] == []
    assert ben_client.get(f"{URL}?status=bogus").status_code == 400


def test_starter_sends_at_most_three_messages_until_accepted(make_client, ann, ben):
    ann_client = make_client(ann)
    room_id = start(ann_client, ben.id, content="one").json()["id"]
    messages = f"/api/v1/rooms/{room_id}/messages/"
    assert ann_client.post(messages, {"content": "two"}, format="json").status_code == 201
    assert ann_client.post(messages, {"content": "three"}, format="json").status_code == 201
    fourth = ann_client.post(messages, {"content": "four"}, format="json")
    assert fourth.status_code == 403
    assert fourth.json()["code"] == "request_pending" and fourth.json()["detail"]
    assert start(ann_client, ben.id, content="via start").status_code == 403  # the same limit
    assert Message.objects.filter(room_id=room_id).count() == 3
    # ben accepts: the conversation is ordinary now
    accepted = make_client(ben).post(f"{URL}{room_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    assert ann_client.post(messages, {"content": "four"}, format="json").status_code == 201


def test_answering_a_request_accepts_it(make_client, ann, ben):
    room_id = start(make_client(ann), ben.id, content="hi").json()["id"]
    reply = make_client(ben).post(f"/api/v1/rooms/{room_id}/messages/", {"content": "hey"}, format="json")
    assert reply.status_code == 201
    assert status_of(room_id, ben) == ParticipantStatus.ACTIVE


def test_decline_hides_it_for_the_recipient_only(make_client, ann, ben):
    ann_client, ben_client = make_client(ann), make_client(ben)
    room_id = start(ann_client, ben.id, content="buy my course").json()["id"]
    assert ben_client.post(f"{URL}{room_id}/decline/").status_code == 204
    assert status_of(room_id, ben) == ParticipantStatus.DECLINED
    # gone for ben, everywhere
    assert ben_client.get(URL).json()["results"] == []
    assert ben_client.get(f"{URL}?status=request").json()["results"] == []
    assert ben_client.get(f"{URL}{room_id}/").status_code == 404
    assert ben_client.get(f"/api/v1/rooms/{room_id}/messages/").status_code == 404
    assert ben_client.post(f"{URL}{room_id}/accept/").status_code == 404
    # ann is not told: her view is unchanged
    ann_view = ann_client.get(f"{URL}{room_id}/").json()
    assert ann_view["status"] == "active"
    assert [p["handle"] for p in ann_view["participants"]] == ["ann", "ben"]
    assert "declined" not in str(ann_client.get(URL).json())
    messages = f"/api/v1/rooms/{room_id}/messages/"
    assert ann_client.post(messages, {"content": "two"}, format="json").status_code == 201
    assert ann_client.post(messages, {"content": "three"}, format="json").status_code == 201
    assert ann_client.post(messages, {"content": "four"}, format="json").json()["code"] == "request_pending"
    # ben starting a conversation with ann himself brings it back for him
    again = start(ben_client, ann.id)
    assert again.status_code == 200 and again.json()["id"] == room_id and again.json()["status"] == "active"


def test_decline_only_a_request(make_client, ann, ben):
    follow(ben, ann)
    room_id = start(make_client(ann), ben.id).json()["id"]
    assert make_client(ben).post(f"{URL}{room_id}/decline/").status_code == 400
    assert make_client(ann).post(f"{URL}{room_id}/decline/").status_code == 400


def test_a_group_is_live_once_someone_follows_the_starter(make_client, ann, ben, cat):
    follow(cat, ann)
    room_id = start(make_client(ann), ben.id, cat.id, title="T").json()["id"]
    assert status_of(room_id, ben) == ParticipantStatus.REQUEST
    assert status_of(room_id, cat) == ParticipantStatus.ACTIVE
    messages = f"/api/v1/rooms/{room_id}/messages/"
    for n in range(4):
        assert make_client(ann).post(messages, {"content": f"m{n}"}, format="json").status_code == 201


# --- detail, patch, leave -------------------------------------------------------------------------


def test_patch_title_and_muted(make_client, ann, ben, cat):
    follow(ben, ann)
    direct_id = start(make_client(ann), ben.id).json()["id"]
    group_id = start(make_client(ann), ben.id, cat.id, title="Old").json()["id"]
    ben_client = make_client(ben)
    response = ben_client.patch(f"{URL}{group_id}/", {"title": "New"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "New"
    assert make_client(ann).get(f"{URL}{group_id}/").json()["title"] == "New"
    muted = ben_client.patch(f"{URL}{direct_id}/", {"muted": True}, format="json")
    assert muted.status_code == 200 and muted.json()["muted"] is True
    assert make_client(ann).get(f"{URL}{direct_id}/").json()["muted"] is False  # mine only
    assert ben_client.patch(f"{URL}{direct_id}/", {"title": "x"}, format="json").status_code == 400
    assert ben_client.patch(f"{URL}{direct_id}/", {"muted": "maybe"}, format="json").status_code == 400
    assert ben_client.patch(f"{URL}{group_id}/", {"title": 7}, format="json").status_code == 400
    assert ben_client.put(f"{URL}{group_id}/", {"title": "x"}, format="json").status_code == 405


def test_leave_group_only(make_client, ann, ben, cat):
    follow(ben, ann)
    direct_id = start(make_client(ann), ben.id).json()["id"]
    group_id = start(make_client(ann), ben.id, cat.id).json()["id"]
    assert make_client(ben).post(f"{URL}{direct_id}/leave/").status_code == 400
    assert make_client(ben).post(f"{URL}{group_id}/leave/").status_code == 204
    assert make_client(ben).get(f"{URL}{group_id}/").status_code == 404
    participants = make_client(ann).get(f"{URL}{group_id}/").json()["participants"]
    assert [p["handle"] for p in participants] == ["ann", "cat"]
    make_client(ann).post(f"{URL}{group_id}/leave/")
    make_client(cat).post(f"{URL}{group_id}/leave/")
    assert not Room.objects.filter(pk=group_id).exists()  # the last one out removes it


# --- the same chat as rooms ----------------------------------------------------------------------


def test_history_reactions_edits_reads_and_idempotency_work_as_in_rooms(make_client, ann, ben):
    follow(ben, ann)
    ann_client, ben_client = make_client(ann), make_client(ben)
    room_id = start(ann_client, ben.id).json()["id"]
    messages = f"/api/v1/rooms/{room_id}/messages/"
    first = ann_client.post(messages, {"content": "hello", "client_id": "c-1"}, format="json")
    assert first.status_code == 201
    retry = ann_client.post(messages, {"content": "hello", "client_id": "c-1"}, format="json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"]
    mid = first.json()["id"]
    assert ben_client.post(f"{messages}{mid}/reactions/", {"emoji": "👍"}, format="json").status_code == 200
    edited = ann_client.patch(f"{messages}{mid}/", {"content": "hello!"}, format="json")
    assert edited.status_code == 200 and edited.json()["edited_at"]
    history = ben_client.get(messages).json()
    assert [m["content"] for m in history["results"]] == ["hello!"]
    assert history["results"][0]["reactions"] == [{"emoji": "👍", "count": 1, "me": True}]
    assert ben_client.get(f"{URL}{room_id}/").json()["unread_count"] == 1
    read = ben_client.post(f"/api/v1/rooms/{room_id}/read/", {"message_id": mid}, format="json")
    assert read.status_code == 200 and read.json()["unread_count"] == 0
    assert ben_client.get(f"{URL}{room_id}/").json()["unread_count"] == 0
    assert ReadMarker.objects.get(room_id=room_id, user=ben).last_read_id == mid


def test_chat_rate_limit_applies(make_client, ann, ben, settings):
    settings.RATELIMIT_CHAT = "2/m"
    follow(ben, ann)
    client = make_client(ann)
    room_id = start(client, ben.id).json()["id"]
    messages = f"/api/v1/rooms/{room_id}/messages/"
    assert client.post(messages, {"content": "1"}, format="json").status_code == 201
    assert client.post(messages, {"content": "2"}, format="json").status_code == 201
    limited = client.post(messages, {"content": "3"}, format="json")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_starting_conversations_is_rate_limited(make_client, ann, settings):
    settings.RATELIMIT_CONVERSATIONS = "2/m"
    client = make_client(ann)
    others = UserFactory.create_batch(3)
    assert start(client, others[0].id).status_code == 201
    assert start(client, others[1].id).status_code == 201
    limited = start(client, others[2].id)
    assert limited.status_code == 429 and "retry_after" in limited.json()


# --- outsiders: 404 everywhere --------------------------------------------------------------------


def test_a_third_user_gets_404_everywhere(make_client, ann, ben, cat):
    follow(ben, ann)
    room_id = start(make_client(ann), ben.id, content="secret").json()["id"]
    mid = Message.objects.get(room_id=room_id).id
    outsider = make_client(cat)
    rooms = f"/api/v1/rooms/{room_id}"
    for method, url, body in [
        ("get", f"{URL}{room_id}/", None),
        ("patch", f"{URL}{room_id}/", {"muted": True}),
        ("post", f"{URL}{room_id}/accept/", None),
        ("post", f"{URL}{room_id}/decline/", None),
        ("post", f"{URL}{room_id}/leave/", None),
        ("get", f"{rooms}/", None),
        ("patch", f"{rooms}/", {"name": "x"}),
        ("delete", f"{rooms}/", None),
        ("post", f"{rooms}/join/", {}),
        ("post", f"{rooms}/leave/", None),
        ("get", f"{rooms}/members/", None),
        ("post", f"{rooms}/invites/", {}),
        ("post", f"{rooms}/bans/", {"user": cat.id}),
        ("get", f"{rooms}/messages/", None),
        ("post", f"{rooms}/messages/", {"content": "hi"}),
        ("get", f"{rooms}/messages/{mid}/", None),
        ("patch", f"{rooms}/messages/{mid}/", {"content": "x"}),
        ("delete", f"{rooms}/messages/{mid}/", None),
        ("post", f"{rooms}/messages/{mid}/reactions/", {"emoji": "👍"}),
        ("post", f"{rooms}/messages/{mid}/report/", {"reason": "spam"}),
        ("post", f"{rooms}/read/", {"message_id": mid}),
    ]:
        response = getattr(outsider, method)(url, body, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert "secret" not in str(outsider.get(URL).json())
    assert Message.objects.filter(room_id=room_id).count() == 1


def test_participants_do_not_manage_it_as_a_room(make_client, ann, ben):
    """A conversation is not a room: its room endpoints (detail, members, invites...) are not there."""
    follow(ben, ann)
    room_id = start(make_client(ann), ben.id).json()["id"]
    client = make_client(ann)
    assert client.get(f"/api/v1/rooms/{room_id}/").status_code == 404
    assert client.get(f"/api/v1/rooms/{room_id}/members/").status_code == 404
    assert client.post(f"/api/v1/rooms/{room_id}/invites/", {}, format="json").status_code == 404
    assert client.delete(f"/api/v1/rooms/{room_id}/").status_code == 404
    post = {"title": "t", "content": "c", "room": room_id}
    assert client.post("/api/v1/posts/", post, format="json").status_code == 400


def test_unknown_and_huge_ids_are_404(make_client, ann):
    client = make_client(ann)
    assert client.get(f"{URL}424242/").status_code == 404
    assert client.get(f"{URL}{2**70}/").status_code == 404
    assert client.post(f"{URL}{2**70}/accept/").status_code == 404


# --- the list ------------------------------------------------------------------------------------


def _conversation_with_messages(ann, other, n=2):
    room, _ = conversation_services.conversation_start(starter=ann, participants=[other])
    Membership.objects.filter(room=room).update(status=ParticipantStatus.ACTIVE)
    for i in range(n):
        message, _ = message_post(room=room, author=other, content=f"from {other.handle} {i}")
    reaction_add(room=room, user=ann, message_id=message.pk, emoji="🎉")
    return room


def test_list_is_most_recent_activity_first_with_last_message_and_unread(make_client, ann, ben, cat):
    old = _conversation_with_messages(ann, ben)
    new = _conversation_with_messages(ann, cat, n=3)
    results = make_client(ann).get(URL).json()["results"]
    assert [c["id"] for c in results] == [new.id, old.id]
    assert results[0]["last_message"]["content"] == "from cat 2"
    assert results[0]["last_message"]["reactions"] == [{"emoji": "🎉", "count": 1, "me": True}]
    assert results[0]["unread_count"] == 3 and results[1]["unread_count"] == 2
    message_post(room=old, author=ben, content="bump")
    assert [c["id"] for c in make_client(ann).get(URL).json()["results"]] == [old.id, new.id]


def test_list_is_cursor_paginated(make_client, ann):
    rooms = [_conversation_with_messages(ann, UserFactory(), n=1) for _ in range(5)]
    client = make_client(ann)
    page = client.get(f"{URL}?page_size=2").json()
    assert set(page) == {"next", "previous", "results"}
    seen = [c["id"] for c in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [c["id"] for c in page["results"]]
    assert seen == [room.id for room in reversed(rooms)]


def test_list_costs_a_fixed_number_of_queries(make_client, ann, count_queries):
    client = make_client(ann)
    _conversation_with_messages(ann, UserFactory())
    few, response = count_queries(lambda: client.get(URL))
    assert len(response.json()["results"]) == 1
    for _ in range(6):
        _conversation_with_messages(ann, UserFactory(), n=3)
    conversation_services.conversation_start(starter=ann, participants=UserFactory.create_batch(5))
    many, response = count_queries(lambda: client.get(URL))
    assert len(response.json()["results"]) == 8
    assert few == many <= 8  # user, rows, participants, last messages, reactions, attachments, previews


# --- blocks and dm_policy: on start and on every send ---------------------------------------------


def set_policy(user, policy):
    user.dm_policy = policy
    user.save(update_fields=["dm_policy"])


@pytest.mark.parametrize("blocker", ["recipient", "starter"])
def test_a_block_either_way_refuses_start_and_every_send(make_client, ann, ben, blocker):
    follow(ben, ann)
    room_id = start(make_client(ann), ben.id, content="before").json()["id"]
    pair = (ben, ann) if blocker == "recipient" else (ann, ben)
    Block.objects.create(blocker=pair[0], blocked=pair[1])
    refused = start(make_client(ann), ben.id, content="after")
    assert refused.status_code == 403 and refused.json()["detail"]
    for sender in (ann, ben):
        sent = make_client(sender).post(f"/api/v1/rooms/{room_id}/messages/", {"content": "x"}, format="json")
        assert sent.status_code == 403
    assert list(Message.objects.values_list("content", flat=True)) == ["before"]
    # a group with someone who blocked the starter cannot be started either
    cat = UserFactory()
    assert start(make_client(ann), ben.id, cat.id).status_code == 403
    assert Room.objects.conversations().count() == 1


def test_dm_policy_nobody_refuses_everyone(make_client, ann, ben):
    set_policy(ben, "nobody")
    follow(ben, ann)
    response = start(make_client(ann), ben.id, content="hi")
    assert response.status_code == 403
    assert not Room.objects.exists() and not Message.objects.exists()


def test_dm_policy_following_refuses_strangers_only(make_client, ann, ben, cat):
    set_policy(ben, "following")
    assert start(make_client(cat), ben.id).status_code == 403
    follow(ben, ann)
    response = start(make_client(ann), ben.id, content="hi")
    assert response.status_code == 201 and status_of(response.json()["id"], ben) == ParticipantStatus.ACTIVE


def test_dm_policy_is_checked_on_every_send(make_client, ann, ben):
    ann_client = make_client(ann)
    room_id = start(ann_client, ben.id, content="hello").json()["id"]
    messages = f"/api/v1/rooms/{room_id}/messages/"
    set_policy(ben, "nobody")
    refused = ann_client.post(messages, {"content": "still?"}, format="json")
    assert refused.status_code == 403 and refused.json().get("code") != "request_pending"
    # ben may still answer the one who started it: he is the one refusing new contacts, not replies
    assert make_client(ben).post(messages, {"content": "go away"}, format="json").status_code == 201
    set_policy(ben, "everyone")
    assert ann_client.post(messages, {"content": "ok"}, format="json").status_code == 201


def test_everyone_policy_makes_a_request_of_a_stranger(make_client, ann, ben):
    set_policy(ben, "everyone")
    response = start(make_client(ann), ben.id)
    assert response.status_code == 201 and status_of(response.json()["id"], ben) == ParticipantStatus.REQUEST
