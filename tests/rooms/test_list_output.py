"""The room list and message history write their rows with room_data/message_data: the bytes must be the
ones RoomSerializer/MessageSerializer and DRF's renderer wrote for the same rows (issue 16)."""

from django.utils import timezone

from rooms.models import Message, Role, RoomTag
from rooms.selectors import attach_reactions, message_get, room_list
from rooms.serializers import MessageSerializer, RoomSerializer
from rooms.services import message_delete, reaction_add, read_marker_set
from tests.factories import MembershipFactory, MessageFactory, RoomFactory, UserFactory
from tests.list_output import AWKWARD_TEXT, assert_response_is_serializer_output, frozen_clock
from uploads.models import LinkPreview, Upload


def test_room_list_bytes_are_the_serializers(user, auth_client):
    tagged = RoomFactory(description=AWKWARD_TEXT, last_message_at=timezone.now())
    RoomTag.objects.create(room=tagged, name="python")
    RoomTag.objects.create(room=tagged, name="django")
    private = RoomFactory(is_public=False)
    MembershipFactory(room=private, user=user, role=Role.MODERATOR)
    MessageFactory(room=private, author=private.creator)
    archived = RoomFactory(is_archived=True)
    orphan = RoomFactory()
    orphan.creator = None
    orphan.save(update_fields=["creator"])
    erased = UserFactory()
    erased.erased_at = timezone.now()
    erased.save(update_fields=["erased_at"])
    RoomFactory(creator=erased)
    del archived
    for params in ({}, {"page_size": 2}, {"mine": "true"}):
        response = auth_client.get("/api/v1/rooms/", params)
        assert response.json()["results"]
        rooms = {room.pk: room for room in room_list(user=user)}
        reference = RoomSerializer([rooms[r["id"]] for r in response.json()["results"]], many=True).data
        assert_response_is_serializer_output(response, reference)


def test_room_list_bytes_for_an_anonymous_reader(db, anon_client):
    RoomFactory()
    response = anon_client.get("/api/v1/rooms/")
    rooms = {room.pk: room for room in room_list(user=None)}
    assert_response_is_serializer_output(
        response, RoomSerializer([rooms[r["id"]] for r in response.json()["results"]], many=True).data
    )


def test_message_history_bytes_are_the_serializers(user, auth_client):
    room = RoomFactory()
    MembershipFactory(room=room, user=user)
    other = UserFactory(name="Zoë 😀")
    MembershipFactory(room=room, user=other)
    first = MessageFactory(room=room, author=other, content=AWKWARD_TEXT)
    MessageFactory(room=room, author=user, kind="code", code_language="python", content="x = 1\n", parent=first)
    MessageFactory(room=room, author=None, kind="system", content="", data={"task": {"project": 3, "number": 12}})
    MessageFactory(room=room, author=other, client_id="abc-1", edited_at=timezone.now())
    removed = MessageFactory(room=room, author=user, content="to be removed")
    MessageFactory(room=room, author=user, kind="file", attachment="chat/2026/12/é notes.txt")  # the legacy file
    with_files = MessageFactory(room=room, author=other, content="see https://example.com/x")
    for i in range(2):
        with_files.attachments.add(
            Upload.objects.create(owner=other, file=f"x/{i}", name=f"é{i}.txt", size=3, content_type="text/plain")
        )
    today = timezone.now().date()
    with_files.previews.add(
        LinkPreview.objects.create(url="https://example.com/x", url_hash="a", fetched_on=today, ok=True, title="X"),
        LinkPreview.objects.create(url="https://example.com/y", url_hash="b", fetched_on=today, ok=False),
    )
    reaction_add(room=room, user=user, message_id=first.pk, emoji="👍")
    reaction_add(room=room, user=other, message_id=first.pk, emoji="👍")
    reaction_add(room=room, user=other, message_id=first.pk, emoji="🎉")
    reaction_add(room=room, user=other, message_id=removed.pk, emoji="👀")
    message_delete(room=room, actor=user, message_id=removed.pk)
    read_marker_set(room=room, user=user, message_id=first.pk)
    assert Message.objects.filter(room=room).count() == 7
    with frozen_clock():
        for params in ({}, {"page_size": 2}, {"before": with_files.pk}):
            response = auth_client.get(f"/api/v1/rooms/{room.pk}/messages/", params)
            assert response.json()["results"]
            messages = [message_get(room=room, message_id=m["id"]) for m in response.json()["results"]]
            reference = MessageSerializer(attach_reactions(messages, viewer_id=user.pk), many=True).data
            assert_response_is_serializer_output(response, reference)
        # The pages after and before a cursor: the position filter of the cursor pagination.
        second = auth_client.get(auth_client.get(f"/api/v1/rooms/{room.pk}/messages/", {"page_size": 2}).json()["next"])
        back = auth_client.get(second.json()["previous"])
        for response in (second, back):
            assert response.json()["results"]
            messages = [message_get(room=room, message_id=m["id"]) for m in response.json()["results"]]
            reference = MessageSerializer(attach_reactions(messages, viewer_id=user.pk), many=True).data
            assert_response_is_serializer_output(response, reference)
