import pytest

from tests.factories import MembershipFactory, PostFactory, RoomFactory, UserFactory

POSTS = "/api/v1/posts/"


def post_url(post_id) -> str:
    return f"{POSTS}{post_id}/"


def comments_url(post_id) -> str:
    return f"{POSTS}{post_id}/comments/"


def comment_url(comment_id) -> str:
    return f"/api/v1/comments/{comment_id}/"


@pytest.fixture
def private_world(db):
    """A private room with a member's post in it, and an outsider who must never see it."""
    owner = UserFactory(handle="roomowner")
    room = RoomFactory(is_public=False, creator=owner)
    member = UserFactory(handle="insider")
    MembershipFactory(room=room, user=member)
    outsider = UserFactory(handle="outsider")
    secret = PostFactory(author=member, room=room, title="secret plans zebra", content="classified zebra")
    return {"owner": owner, "room": room, "member": member, "outsider": outsider, "post": secret}


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]
