from django.conf import settings
from django.db import models


class RoomKind(models.TextChoices):
    ROOM = "room"
    DIRECT = "direct"  # a conversation of two people
    GROUP = "group"  # a conversation of 3-10 people


CONVERSATION_KINDS = (RoomKind.DIRECT, RoomKind.GROUP)


class RoomQuerySet(models.QuerySet):
    """The one place that tells topic rooms from private conversations (direct messages).

    Everything that lists or counts rooms (room lists, post feeds and search, badges, leaderboards)
    starts from `chat_rooms()`, so a conversation never leaks into them.
    """

    def chat_rooms(self):
        return self.filter(kind=RoomKind.ROOM)

    def conversations(self):
        return self.filter(kind__in=CONVERSATION_KINDS)


class Room(models.Model):
    kind = models.CharField(max_length=10, choices=RoomKind.choices, default=RoomKind.ROOM)
    # A group conversation's title lives here too; a direct conversation has none.
    name = models.CharField(max_length=100, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(max_length=2000, blank=True)
    is_public = models.BooleanField(default=True, db_index=True)
    is_archived = models.BooleanField(default=False)
    creator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # "<smaller user id>:<larger user id>" of a direct conversation: one conversation per pair, held by
    # the database even when both start one at the same moment. Null for rooms and groups.
    direct_key = models.CharField(max_length=41, null=True, blank=True, unique=True, editable=False)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "-id"], name="room_kind_id_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=RoomKind.DIRECT, direct_key__isnull=False)
                | (~models.Q(kind=RoomKind.DIRECT) & models.Q(direct_key__isnull=True)),
                name="room_direct_key_iff_direct",
            )
        ]

    def __str__(self):
        return self.name or f"{self.get_kind_display()} conversation #{self.pk}"

    @property
    def is_conversation(self) -> bool:
        return self.kind in CONVERSATION_KINDS

    @staticmethod
    def direct_key_for(user_a_id: int, user_b_id: int) -> str:
        low, high = sorted((user_a_id, user_b_id))
        return f"{low}:{high}"


class Role(models.TextChoices):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"


class ParticipantStatus(models.TextChoices):
    """A conversation as one participant sees it (rooms' memberships are always active)."""

    ACTIVE = "active"
    REQUEST = "request"  # a message request: started by someone this participant does not follow
    DECLINED = "declined"  # hidden for this participant; the others are not told


class MembershipQuerySet(models.QuerySet):
    def in_chat_rooms(self):
        """Memberships of topic rooms only: what `community_builder` and member counts count."""
        return self.filter(room__kind=RoomKind.ROOM)


class Membership(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=ParticipantStatus.choices, default=ParticipantStatus.ACTIVE)
    muted = models.BooleanField(default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="membership_unique")]
        indexes = [models.Index(fields=["user", "room"], name="membership_user_room_idx")]

    def __str__(self):
        return f"{self.user} in {self.room} ({self.role})"

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.OWNER, Role.MODERATOR)


class RoomTag(models.Model):
    """A topic label of a room ("web-dev"); rooms keep their own tags so rooms never depends on posts."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="tags")
    name = models.SlugField(max_length=40)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["room", "name"], name="roomtag_unique")]
        indexes = [models.Index(fields=["name", "room"], name="roomtag_name_room_idx")]

    def __str__(self):
        return self.name


class MessageKind(models.TextChoices):
    TEXT = "text"
    CODE = "code"
    FILE = "file"
    SYSTEM = "system"


MESSAGE_MAX_LENGTH = 4000


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    # A departed author's messages stay in the history, unattributed.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="room_messages"
    )
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.TEXT)
    content = models.TextField(max_length=MESSAGE_MAX_LENGTH, blank=True)
    code_language = models.CharField(max_length=30, blank=True)
    attachment = models.FileField(upload_to="chat/%Y/%m/", blank=True)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies")
    # Structured facts of a system message ({"task": {"project": 3, "number": 12}}); None otherwise.
    data = models.JSONField(null=True, blank=True)
    # Chosen by the client so a retried send is recognised instead of stored twice.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    # Files (uploads app) and link previews; readers of the room read them (uploads.access).
    attachments = models.ManyToManyField("uploads.Upload", blank=True, related_name="messages")
    previews = models.ManyToManyField("uploads.LinkPreview", blank=True, related_name="messages")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=models.Q(client_id__isnull=False),
                name="message_author_client_id_unique",
            )
        ]
        indexes = [
            models.Index(fields=["room", "-id"], name="message_room_id_idx"),
            # A retried slash command finds what it posted (a system message has no author to key on).
            models.Index(
                fields=["client_id"], condition=models.Q(client_id__isnull=False), name="message_client_id_idx"
            ),
        ]

    def __str__(self):
        return f"#{self.pk} in {self.room_id}"


class Reaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_reactions")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["message", "user", "emoji"], name="reaction_unique")]

    def __str__(self):
        return f"{self.emoji} on {self.message_id}"


class Invite(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=40, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="room_invites"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"invite to {self.room_id}"


class Ban(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_bans")
    banned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="ban_unique")]

    def __str__(self):
        return f"{self.user} banned from {self.room}"


class ReadMarker(models.Model):
    """The newest message id a user has read in a room; unread = others' messages after it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_markers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_read_markers")
    last_read_id = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="readmarker_unique")]

    def __str__(self):
        return f"{self.user} read {self.room_id} up to {self.last_read_id}"
