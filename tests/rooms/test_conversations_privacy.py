"""A conversation never leaks: room lists, posts (feed, search), badges, leaderboards, projects, admin."""

import pytest

from gamification.models import UserBadge
from gamification.rules import rooms_joined
from posts.models import Report
from rooms.conversations import services as conversation_services
from rooms.models import Membership, Message, ParticipantStatus
from rooms.services import message_post
from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory
from users.models import Follow

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def pair(db):
    ann, ben = UserFactory(handle="ann"), UserFactory(handle="ben")
    Follow.objects.create(follower=ben, followee=ann)
    return ann, ben


def start(starter, *others, **kwargs):
    room, _ = conversation_services.conversation_start(starter=starter, participants=list(others), **kwargs)
    return room


def test_never_in_rooms_list(make_client, anon_client, pair):
    ann, ben = pair
    group = start(ann, ben, UserFactory(), title="zebra plans")
    direct = start(ann, ben)
    public = RoomFactory(name="zebra room")
    hidden = {group.id, direct.id}
    for client in (anon_client, make_client(ann), make_client(ben)):
        for query in ("", "?mine=true", "?search=zebra", "?page_size=100"):
            ids = {room["id"] for room in client.get(f"/api/v1/rooms/{query}").json()["results"]}
            assert not ids & hidden, query
    assert {r["id"] for r in make_client(ann).get("/api/v1/rooms/?search=zebra").json()["results"]} == {public.id}


def test_never_in_posts_feeds_or_search(make_client, pair):
    """Posts cannot be put into a conversation; one that got there some other way stays invisible."""
    ann, ben = pair
    room = start(ann, ben)
    refused = make_client(ann).post(
        "/api/v1/posts/", {"title": "zebra", "content": "zebra", "room": room.id}, format="json"
    )
    assert refused.status_code == 400
    smuggled = PostFactory(author=ann, room=room, title="zebra secret", content="zebra secret")
    for client in (make_client(ann), make_client(ben), make_client(UserFactory())):
        for url in ("/api/v1/posts/", "/api/v1/posts/?search=zebra", f"/api/v1/posts/?room={room.id}", "/api/v1/feed/"):
            response = client.get(url)
            assert response.status_code == 200
            assert smuggled.id not in {post["id"] for post in response.json()["results"]}, url
        assert client.get(f"/api/v1/posts/{smuggled.id}/").status_code == 404


def test_community_builder_counts_rooms_not_conversations(make_client, on_commit, pair):
    ann, ben = pair
    for _ in range(4):
        MembershipFactory(user=ann)
    with on_commit():
        start(ann, ben, content="hi")
        start(ann, ben, UserFactory(), content="group hi")
        start(UserFactory(), ann)
    assert Membership.objects.filter(user=ann).count() == 7
    assert rooms_joined(ann) == 4
    assert not UserBadge.objects.filter(user=ann, badge__code="community_builder").exists()
    with on_commit():
        assert make_client(ann).post(f"/api/v1/rooms/{RoomFactory().id}/join/", {}, format="json").status_code == 200
    assert UserBadge.objects.filter(user=ann, badge__code="community_builder").exists()


def test_leaderboards_ignore_conversation_messages(anon_client, on_commit, pair):
    ann, ben = pair
    room = start(ann, ben)
    public = RoomFactory(creator=ben)
    with on_commit():
        for n in range(3):
            message_post(room=room, author=ann, content=f"dm {n}")
        message_post(room=public, author=ben, content="in a room")
    board = anon_client.get("/api/v1/leaderboard/", {"metric": "contributions", "period": "week"}).json()
    assert [(entry["user"]["id"], entry["value"]) for entry in board] == [(ben.id, 1)]


def test_projects_cannot_link_a_conversation(make_client, pair):
    ann, ben = pair
    room = start(ann, ben)
    response = make_client(ann).post("/api/v1/projects/", {"name": "P", "room": room.id}, format="json")
    assert response.status_code == 400


def test_room_member_counts_and_membership_lists_skip_conversations(make_client, pair):
    ann, ben = pair
    room = RoomFactory(creator=ann)
    start(ann, ben)
    listed = make_client(ann).get("/api/v1/rooms/?mine=true").json()["results"]
    assert [(r["id"], r["member_count"]) for r in listed] == [(room.id, 1)]


# --- admin: staff see a conversation's message only through a report ----------------------------


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-12345-long", handle="boss"
    )
    client.force_login(staff)
    return client


def test_staff_do_not_browse_conversations(staff_client, pair):
    ann, ben = pair
    room = start(ann, ben)
    secret, _ = message_post(room=room, author=ann, content="zebra-private-words")
    public = RoomFactory(name="Public zebra")
    message_post(room=public, author=public.creator, content="zebra-public-words")
    rooms_page = staff_client.get("/admin/rooms/room/").content.decode()
    assert "Public zebra" in rooms_page and f"/admin/rooms/room/{room.id}/change/" not in rooms_page
    change_page = staff_client.get(f"/admin/rooms/room/{room.id}/change/", follow=True)
    assert "zebra-private-words" not in change_page.content.decode()
    messages_page = staff_client.get("/admin/rooms/message/?q=zebra").content.decode()
    assert "zebra-public-words" in messages_page and "zebra-private-words" not in messages_page
    detail = staff_client.get(f"/admin/rooms/message/{secret.id}/change/", follow=True).content.decode()
    assert "zebra-private-words" not in detail
    memberships = staff_client.get("/admin/rooms/membership/").content.decode()
    assert f"/admin/rooms/membership/{Membership.objects.filter(room=room).first().id}/" not in memberships


def test_a_reported_conversation_message_reaches_the_moderation_queue(make_client, staff_client, pair):
    ann, ben = pair
    room = start(ann, ben)
    abuse, _ = message_post(room=room, author=ann, content="zebra-abuse")
    url = f"/api/v1/rooms/{room.id}/messages/{abuse.id}/report/"
    assert make_client(UserFactory()).post(url, {"reason": "x"}, format="json").status_code == 404
    response = make_client(ben).post(url, {"reason": "harassment"}, format="json")
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.message_id == abuse.id and report.content_author == ann
    queue = staff_client.get(f"/admin/posts/report/{report.id}/change/").content.decode()
    assert "zebra-abuse" in queue
    staff_client.post("/admin/posts/report/", {"action": "remove_content", "_selected_action": [report.id]})
    abuse.refresh_from_db()
    assert abuse.is_deleted and abuse.content == ""


def test_declined_participant_is_no_member_anywhere(pair):
    ann, _ = pair
    stranger = UserFactory()
    room = start(stranger, ann)
    assert Membership.objects.get(room=room, user=ann).status == ParticipantStatus.REQUEST
    conversation_services.conversation_decline(room=room, user=ann)
    from rooms.selectors import is_room_member, membership_of

    assert membership_of(room=room, user=ann) is None and not is_room_member(room_id=room.id, user=ann)
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied from require_member
        message_post(room=room, author=ann, content="x")
    assert not Message.objects.filter(author=ann).exists()
