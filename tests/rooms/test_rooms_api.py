"""Rooms over REST: listing, creation, edit/delete by role, join/leave, members, bans, invites, read."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rooms import signals
from rooms.models import Ban, Invite, Membership, ReadMarker, Role, Room, RoomTag
from tests.factories import MembershipFactory, MessageFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOM_FIELDS = {
    "id", "name", "slug", "description", "is_public", "is_archived", "tags", "creator", "member_count", "is_member",
    "my_role", "unread_count", "last_message_at", "created_at",
}  # fmt: skip


def ids(response):
    return [room["id"] for room in response.json()["results"]]


# --- list -------------------------------------------------------------------------------------


def test_list_shows_public_rooms_and_mine_but_not_others_private(make_client, owner, room, private_room, outsider):
    other_private = RoomFactory(is_public=False)
    body = make_client(outsider).get("/api/v1/rooms/")
    assert body.status_code == 200
    assert ids(body) == [room.id]
    assert set(body.json()["results"][0]) == ROOM_FIELDS
    assert ids(make_client(owner).get("/api/v1/rooms/")) == [private_room.id, room.id]
    assert other_private.id not in ids(make_client(owner).get("/api/v1/rooms/"))


def test_anonymous_list_sees_public_rooms_without_personal_fields(anon_client, room, private_room):
    body = anon_client.get("/api/v1/rooms/").json()["results"]
    assert [r["id"] for r in body] == [room.id]
    assert body[0]["is_member"] is False and body[0]["my_role"] is None and body[0]["unread_count"] == 0


def test_list_fields_per_viewer(make_client, owner, room, member):
    MessageFactory(room=room, author=owner)
    MessageFactory(room=room, author=owner)
    MessageFactory(room=room, author=member)  # my own messages are never unread
    RoomTag.objects.create(room=room, name="python")
    body = make_client(member).get("/api/v1/rooms/").json()["results"][0]
    assert body["member_count"] == 2
    assert body["is_member"] is True and body["my_role"] == "member"
    assert body["unread_count"] == 2
    assert body["tags"] == ["python"]
    assert body["creator"] == {"id": owner.id, "handle": "olivia", "name": owner.name, "avatar": ""}


def test_unread_count_follows_the_read_marker_and_skips_deleted(make_client, owner, room, member):
    first = MessageFactory(room=room, author=owner)
    second = MessageFactory(room=room, author=owner)
    MessageFactory(room=room, author=owner, is_deleted=True, content="")
    ReadMarker.objects.create(room=room, user=member, last_read_id=first.id)
    assert make_client(member).get(f"/api/v1/rooms/{room.id}/").json()["unread_count"] == 1
    ReadMarker.objects.filter(user=member).update(last_read_id=second.id)
    assert make_client(member).get(f"/api/v1/rooms/{room.id}/").json()["unread_count"] == 0


def test_list_filters_tags_any_of_search_and_mine(make_client, member, room):
    web = RoomFactory(name="Web dev", description="browsers")
    RoomTag.objects.create(room=web, name="web-dev")
    RoomTag.objects.create(room=room, name="python")
    untagged = RoomFactory(name="Misc")
    client = make_client(member)
    assert sorted(ids(client.get("/api/v1/rooms/?tags=web-dev,python"))) == sorted([web.id, room.id])
    assert ids(client.get("/api/v1/rooms/?tags=python")) == [room.id]
    assert ids(client.get("/api/v1/rooms/?search=BROWSER")) == [web.id]
    assert ids(client.get("/api/v1/rooms/?mine=true")) == [room.id]
    assert untagged.id in ids(client.get("/api/v1/rooms/?mine=false"))
    assert ids(client.get("/api/v1/rooms/?tags=nothing-like-this")) == []


def test_room_list_query_count_does_not_grow(make_client, member, django_assert_num_queries, count_queries):
    client = make_client(member)
    RoomFactory()
    few, response = count_queries(lambda: client.get("/api/v1/rooms/"))
    assert response.status_code == 200
    for _ in range(8):
        room = RoomFactory()
        MembershipFactory(room=room, user=member)
        RoomTag.objects.create(room=room, name="x")
        MessageFactory(room=room)
    many, response = count_queries(lambda: client.get("/api/v1/rooms/"))
    assert len(response.json()["results"]) == 10
    assert few == many
    with django_assert_num_queries(many):
        client.get("/api/v1/rooms/?tags=x&search=Room")


# --- create / detail / edit / delete -------------------------------------------------------


def test_create_makes_the_creator_owner_and_sends_signals(auth_client, user, after_commit):
    with after_commit(signals.room_created, signals.room_joined, expected=2) as sent:
        response = auth_client.post(
            "/api/v1/rooms/",
            {"name": "Rust Lovers", "description": "ownership", "is_public": False, "tags": ["rust", "Systems"]},
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "rust-lovers" and body["is_public"] is False
    assert body["my_role"] == "owner" and body["member_count"] == 1 and body["is_member"] is True
    assert sorted(body["tags"]) == ["rust", "systems"]
    assert Membership.objects.get(room_id=body["id"]).role == Role.OWNER
    ((created,), (joined,)) = sent.of(signals.room_created), sent.of(signals.room_joined)
    assert (created["room"].name, created["creator"], joined["user"]) == ("Rust Lovers", user, user)


def test_create_gives_unique_slugs(auth_client):
    first = auth_client.post("/api/v1/rooms/", {"name": "Go"}).json()
    second = auth_client.post("/api/v1/rooms/", {"name": "Go"}).json()
    assert first["slug"] == "go" and second["slug"].startswith("go-") and second["slug"] != "go"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "ok", "is_public": "perhaps"},
        {"name": "ok", "tags": "python"},
        {"name": "ok", "tags": ["not a slug!"]},
        {"name": "ok", "tags": [f"t{i}" for i in range(11)]},
        {"name": "ok", "description": "d" * 2001},
    ],
)
def test_create_rejects_bad_input(auth_client, payload):
    response = auth_client.post("/api/v1/rooms/", payload, format="json")
    assert response.status_code == 400
    assert not Room.objects.exists()


def test_create_rejects_malformed_json_and_anonymous(auth_client, anon_client):
    response = auth_client.post("/api/v1/rooms/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert anon_client.post("/api/v1/rooms/", {"name": "x"}).status_code == 401
    assert not Room.objects.exists()


def test_private_room_is_404_for_outsiders_everywhere(make_client, private_room, outsider):
    client = make_client(outsider)
    base = f"/api/v1/rooms/{private_room.id}"
    assert client.get(f"{base}/").status_code == 404
    assert client.patch(f"{base}/", {"name": "x"}).status_code == 404
    assert client.delete(f"{base}/").status_code == 404
    assert client.get(f"{base}/members/").status_code == 404
    assert client.get(f"{base}/messages/").status_code == 404
    assert client.post(f"{base}/messages/", {"content": "hi"}).status_code == 404
    assert client.post(f"{base}/join/", {}).status_code == 404
    assert client.post(f"{base}/leave/").status_code == 404
    assert client.post(f"{base}/invites/", {}).status_code == 404
    assert client.post(f"{base}/bans/", {"user": outsider.id}).status_code == 404
    assert client.post(f"{base}/read/", {"message_id": 1}).status_code == 404
    assert make_client(None).get(f"{base}/").status_code == 404


def test_unknown_and_huge_ids_are_404(auth_client):
    assert auth_client.get("/api/v1/rooms/999999/").status_code == 404
    assert auth_client.get("/api/v1/rooms/99999999999999999999999/").status_code == 404
    assert auth_client.get("/api/v1/rooms/99999999999999999999999/messages/").status_code == 404
    assert auth_client.get("/api/v1/rooms/-1/").status_code == 404


def test_patch_by_role(make_client, room, owner, moderator, member, outsider):
    url = f"/api/v1/rooms/{room.id}/"
    assert make_client(member).patch(url, {"name": "Nope"}).status_code == 403
    assert make_client(outsider).patch(url, {"name": "Nope"}).status_code == 403
    response = make_client(moderator).patch(url, {"description": "new", "tags": ["py"]})
    assert response.status_code == 200 and response.json()["tags"] == ["py"]
    response = make_client(owner).patch(url, {"name": "Python 3", "is_public": False})
    assert response.status_code == 200 and response.json()["name"] == "Python 3"
    room.refresh_from_db()
    assert (room.name, room.description, room.is_public, room.slug) == ("Python 3", "new", False, "python")


def test_patch_rejects_bad_input(make_client, room, owner):
    response = make_client(owner).patch(f"/api/v1/rooms/{room.id}/", {"name": ""})
    assert response.status_code == 400
    response = make_client(owner).patch(f"/api/v1/rooms/{room.id}/", {"is_public": [1]}, format="json")
    assert response.status_code == 400
    room.refresh_from_db()
    assert room.name == "Python" and room.is_public


def test_delete_only_by_owner(make_client, room, owner, moderator, member):
    url = f"/api/v1/rooms/{room.id}/"
    assert make_client(member).delete(url).status_code == 403
    assert make_client(moderator).delete(url).status_code == 403
    assert make_client(owner).delete(url).status_code == 204
    assert not Room.objects.filter(pk=room.id).exists()


def test_put_is_not_offered(make_client, room, owner):
    assert make_client(owner).put(f"/api/v1/rooms/{room.id}/", {"name": "x"}).status_code == 405


# --- join / leave -----------------------------------------------------------------------------


def test_join_public_room_is_idempotent(make_client, room, outsider, after_commit):
    client = make_client(outsider)
    with after_commit(signals.room_joined, expected=1) as sent:
        first = client.post(f"/api/v1/rooms/{room.id}/join/")
        second = client.post(f"/api/v1/rooms/{room.id}/join/")
    assert first.status_code == second.status_code == 200
    assert first.json()["is_member"] is True and first.json()["my_role"] == "member"
    assert Membership.objects.filter(room=room, user=outsider).count() == 1
    assert sent.of(signals.room_joined)[0]["user"] == outsider


def test_join_private_room_needs_a_valid_invite(make_client, private_room, owner, outsider):
    client = make_client(outsider)
    url = f"/api/v1/rooms/{private_room.id}/join/"
    assert client.post(url, {}).status_code == 404
    assert client.post(url, {"code": "wrong"}).status_code == 404
    code = make_client(owner).post(f"/api/v1/rooms/{private_room.id}/invites/", {"max_uses": 1}).json()["code"]
    response = client.post(url, {"code": code})
    assert response.status_code == 200 and response.json()["my_role"] == "member"
    assert Invite.objects.get(code=code).uses == 1
    latecomer = make_client(UserFactory())
    assert latecomer.post(url, {"code": code}).status_code == 404  # used up


def test_expired_and_personal_invites(make_client, private_room, owner, outsider):
    expired = Invite.objects.create(room=private_room, code="old", expires_at=timezone.now() - timedelta(minutes=1))
    join_url = f"/api/v1/rooms/{private_room.id}/join/"
    assert make_client(outsider).post(join_url, {"code": expired.code}).status_code == 404
    invited = UserFactory()
    code = make_client(owner).post(f"/api/v1/rooms/{private_room.id}/invites/", {"user": invited.id}).json()["code"]
    assert make_client(outsider).post(f"/api/v1/rooms/{private_room.id}/join/", {"code": code}).status_code == 404
    assert make_client(invited).post(f"/api/v1/rooms/{private_room.id}/join/", {"code": code}).status_code == 200


def test_banned_user_cannot_join(make_client, room, outsider, owner):
    Ban.objects.create(room=room, user=outsider, banned_by=owner)
    assert make_client(outsider).post(f"/api/v1/rooms/{room.id}/join/").status_code == 403
    assert not Membership.objects.filter(room=room, user=outsider).exists()


def test_join_rejects_bad_code_type_and_anonymous(make_client, anon_client, room, outsider):
    assert make_client(outsider).post(f"/api/v1/rooms/{room.id}/join/", {"code": "x" * 41}).status_code == 400
    assert anon_client.post(f"/api/v1/rooms/{room.id}/join/").status_code == 401
    assert make_client(outsider).post("/api/v1/rooms/424242/join/").status_code == 404


def test_leave_and_last_owner_rule(make_client, room, owner, member):
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/leave/").status_code == 204
    assert not Membership.objects.filter(room=room, user=member).exists()
    response = make_client(owner).post(f"/api/v1/rooms/{room.id}/leave/")
    assert response.status_code == 400
    assert Membership.objects.filter(room=room, user=owner, role=Role.OWNER).exists()


def test_owner_can_leave_after_handing_over(make_client, room, owner, member):
    url = f"/api/v1/rooms/{room.id}/members/{member.id}/"
    assert make_client(owner).patch(url, {"role": "owner"}).status_code == 200
    assert make_client(owner).post(f"/api/v1/rooms/{room.id}/leave/").status_code == 204
    assert Membership.objects.get(room=room, user=member).role == Role.OWNER


# --- members ----------------------------------------------------------------------------------


def test_members_list(make_client, room, owner, moderator, member, outsider, count_queries):
    client = make_client(outsider)
    few, response = count_queries(lambda: client.get(f"/api/v1/rooms/{room.id}/members/"))
    body = response.json()
    assert response.status_code == 200
    roles = [(m["user"]["handle"], m["role"]) for m in body]
    assert roles == [("olivia", "owner"), ("mods", "moderator"), ("mia", "member")]
    assert set(body[0]) == {"user", "role", "joined_at"} and "email" not in body[0]["user"]
    MembershipFactory.create_batch(5, room=room)
    many, response = count_queries(lambda: client.get(f"/api/v1/rooms/{room.id}/members/"))
    assert len(response.json()) == 8 and many == few


def test_role_changes_only_by_owner(make_client, room, owner, moderator, member):
    url = f"/api/v1/rooms/{room.id}/members/{member.id}/"
    assert make_client(moderator).patch(url, {"role": "moderator"}).status_code == 403
    assert make_client(member).patch(url, {"role": "owner"}).status_code == 403
    response = make_client(owner).patch(url, {"role": "moderator"})
    assert response.status_code == 200 and response.json()["role"] == "moderator"
    assert make_client(owner).patch(url, {"role": "king"}).status_code == 400
    members = f"/api/v1/rooms/{room.id}/members"
    assert make_client(owner).patch(f"{members}/{owner.id}/", {"role": "member"}).status_code == 400  # last owner
    stranger = UserFactory()
    assert make_client(owner).patch(f"{members}/{stranger.id}/", {"role": "member"}).status_code == 404
    assert make_client(owner).patch(f"{members}/999999/", {"role": "member"}).status_code == 404


def test_kick_rules(make_client, room, owner, moderator, member, after_commit):
    other_mod = MembershipFactory(room=room, role=Role.MODERATOR).user
    assert make_client(member).delete(f"/api/v1/rooms/{room.id}/members/{moderator.id}/").status_code == 403
    assert make_client(moderator).delete(f"/api/v1/rooms/{room.id}/members/{other_mod.id}/").status_code == 403
    assert make_client(moderator).delete(f"/api/v1/rooms/{room.id}/members/{owner.id}/").status_code == 403
    with after_commit(signals.member_removed, expected=2) as sent:
        assert make_client(moderator).delete(f"/api/v1/rooms/{room.id}/members/{member.id}/").status_code == 204
        assert make_client(owner).delete(f"/api/v1/rooms/{room.id}/members/{other_mod.id}/").status_code == 204
    assert set(Membership.objects.filter(room=room).values_list("user_id", flat=True)) == {owner.id, moderator.id}
    removed = [(kw["user"], kw["by"], kw["banned"]) for kw in sent.of(signals.member_removed)]
    assert removed == [(member, moderator, False), (other_mod, owner, False)]
    assert make_client(owner).delete(f"/api/v1/rooms/{room.id}/members/{member.id}/").status_code == 404


# --- bans -------------------------------------------------------------------------------------


def test_ban_removes_and_bars(make_client, room, moderator, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = make_client(moderator).post(f"/api/v1/rooms/{room.id}/bans/", {"user": member.id, "reason": "spam"})
    assert response.status_code == 201
    assert response.json()["user"]["id"] == member.id and response.json()["reason"] == "spam"
    assert not Membership.objects.filter(room=room, user=member).exists()
    assert Ban.objects.filter(room=room, user=member).exists()
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/join/").status_code == 403
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/messages/", {"content": "back!"}).status_code == 403


def test_ban_permissions_and_bad_input(make_client, room, owner, moderator, member, outsider):
    url = f"/api/v1/rooms/{room.id}/bans/"
    assert make_client(member).post(url, {"user": outsider.id}).status_code == 403
    assert make_client(moderator).post(url, {"user": owner.id}).status_code == 403
    assert make_client(moderator).post(url, {"user": moderator.id}).status_code == 400
    assert make_client(moderator).post(url, {"user": 99999999}).status_code == 400
    assert make_client(moderator).post(url, {"user": 10**30}).status_code == 400
    assert make_client(moderator).post(url, {"user": "bob"}).status_code == 400
    assert make_client(moderator).post(url, {"user": outsider.id, "reason": "r" * 501}).status_code == 400
    assert not Ban.objects.exists()
    assert make_client(moderator).post(url, {"user": outsider.id}).status_code == 201  # pre-emptive ban
    assert [b["user"]["id"] for b in make_client(moderator).get(url).json()] == [outsider.id]
    assert make_client(member).get(url).status_code == 403
    assert make_client(owner).delete(f"{url}{outsider.id}/").status_code == 204
    assert make_client(owner).delete(f"{url}{outsider.id}/").status_code == 404
    assert not Ban.objects.exists()


# --- invites ----------------------------------------------------------------------------------


def test_invite_creation(make_client, room, moderator, member, after_commit):
    invitee = UserFactory()
    with after_commit(signals.invite_created, expected=1) as sent:
        response = make_client(moderator).post(
            f"/api/v1/rooms/{room.id}/invites/", {"expires_in_hours": 2, "max_uses": 3, "user": invitee.id}
        )
    assert response.status_code == 201
    body = response.json()
    assert {"code", "expires_at", "max_uses", "uses"} <= set(body)
    assert body["max_uses"] == 3 and body["uses"] == 0
    invite = Invite.objects.get(code=body["code"])
    assert timedelta(hours=1, minutes=59) < invite.expires_at - timezone.now() <= timedelta(hours=2)
    (received,) = sent.of(signals.invite_created)
    assert received["invitee"] == invitee and received["inviter"] == moderator
    assert received["invite"] == invite and received["room"] == room
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/invites/", {}).status_code == 403


@pytest.mark.parametrize(
    "payload",
    [{"expires_in_hours": 0}, {"expires_in_hours": 10**9}, {"max_uses": -1}, {"max_uses": "many"}, {"user": 99999}],
)
def test_invite_bad_input(make_client, room, owner, payload):
    assert make_client(owner).post(f"/api/v1/rooms/{room.id}/invites/", payload).status_code == 400
    assert not Invite.objects.exists()


# --- read markers -----------------------------------------------------------------------------


def test_read_marker_moves_forward_only(make_client, room, owner, member):
    first, second = MessageFactory(room=room, author=owner), MessageFactory(room=room, author=owner)
    client = make_client(member)
    response = client.post(f"/api/v1/rooms/{room.id}/read/", {"message_id": second.id})
    assert response.status_code == 200 and response.json() == {"message_id": second.id, "unread_count": 0}
    response = client.post(f"/api/v1/rooms/{room.id}/read/", {"message_id": first.id})
    assert response.json() == {"message_id": second.id, "unread_count": 0}
    assert ReadMarker.objects.get(room=room, user=member).last_read_id == second.id


def test_read_marker_rejects_other_rooms_messages_and_non_members(make_client, room, member, outsider):
    foreign = MessageFactory()
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/read/", {"message_id": foreign.id}).status_code == 400
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/read/", {"message_id": "x"}).status_code == 400
    assert make_client(member).post(f"/api/v1/rooms/{room.id}/read/", {"message_id": 10**30}).status_code == 400
    assert make_client(outsider).post(f"/api/v1/rooms/{room.id}/read/", {"message_id": foreign.id}).status_code == 403
    assert not ReadMarker.objects.exists()
