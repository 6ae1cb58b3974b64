"""Domain signals of the rooms app, sent by rooms.services after commit.

Keyword arguments (sender is the model class):
room_created(room, creator)
room_joined(room, user)                      a new membership (creator included)
room_left(room, user)
member_removed(room, user, by, banned)       kick or ban
invite_created(room, invite, inviter, invitee)   invitee is a User or None
message_posted(message, mentioned_users)     mentioned_users: users @mentioned who can see the room,
                                             the author excluded; also sent for conversations' messages
                                             (message.room.is_conversation tells them apart)
conversation_started(room, starter, requested_users)   a new direct or group conversation; requested_users:
                                             those for whom it is a message request
Conversations send no room_created/room_joined: they are not rooms anyone joins.
"""

from django.dispatch import Signal

room_created = Signal()
room_joined = Signal()
room_left = Signal()
member_removed = Signal()
invite_created = Signal()
message_posted = Signal()
conversation_started = Signal()
