"""Who may read a room's message history (GET rooms/{id}/messages/): members only; a public topic room
answers 403 to others, a private room, a conversation and a missing room 404 (rooms.selectors.
room_check_member, which answers in one statement what room_get_for_member answers in three)."""

import pytest

from rooms.models import ParticipantStatus, RoomKind
from tests.conftest import client_for
from tests.factories import MembershipFactory, MessageFactory, RoomFactory, UserFactory


def history(user, room_id):
    return client_for(user).get(f"/api/v1/rooms/{room_id}/messages/")


@pytest.mark.django_db
def test_members_read_others_are_refused_or_not_told():
    reader, outsider = UserFactory(), UserFactory()
    public, private = RoomFactory(is_public=True), RoomFactory(is_public=False)
    for room in (public, private):
        MembershipFactory(room=room, user=reader)
        MessageFactory(room=room)
    assert [m["id"] for m in history(reader, public.pk).json()["results"]]
    assert history(reader, private.pk).status_code == 200
    assert history(outsider, public.pk).status_code == 403
    assert history(outsider, private.pk).status_code == 404
    assert history(outsider, 10**12).status_code == 404


@pytest.mark.django_db
def test_a_declined_conversation_is_hidden_from_who_declined_it():
    ann, ben = UserFactory(), UserFactory()
    conversation = RoomFactory(kind=RoomKind.DIRECT, is_public=True, direct_key=f"{ann.pk}:{ben.pk}")
    MembershipFactory(room=conversation, user=ann)
    MembershipFactory(room=conversation, user=ben, status=ParticipantStatus.DECLINED)
    assert history(ann, conversation.pk).status_code == 200
    # Declined: no member, and a conversation is never visible to non-members, public flag or not.
    assert history(ben, conversation.pk).status_code == 404
