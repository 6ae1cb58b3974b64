"""Moderation in the admin: rooms with their members and messages; archive, delete messages, ban.

Conversations (direct messages) are private: staff do not browse them here. A conversation's message
reaches staff only when a participant reports it (posts' moderation queue keeps its text).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from rooms import services
from rooms.models import Ban, Invite, Membership, Message, Room, RoomKind, RoomTag


def ban_pairs(model_admin, request, pairs) -> None:
    banned = 0
    for room, user in pairs:
        try:
            services.member_ban_by_staff(room=room, user=user, staff=request.user)
            banned += 1
        except ValidationError as exc:
            model_admin.message_user(request, f"{user} in {room}: {'; '.join(exc.messages)}", messages.ERROR)
    model_admin.message_user(request, f"Banned {banned} user(s).", messages.SUCCESS)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class RoomTagInline(admin.TabularInline):
    model = RoomTag
    extra = 0


class MessageInline(admin.TabularInline):
    """The newest messages of the room, read-only: moderation goes through the actions."""

    model = Message
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["id", "author", "kind", "content", "created_at", "is_deleted"]
    readonly_fields = fields  # type: ignore[assignment]  # fields holds a row of fields: a tuple
    ordering = ["-id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug", "is_public", "is_archived", "last_message_at", "created_at"]
    list_filter = ["is_public", "is_archived"]
    search_fields = ["name", "slug", "description"]
    raw_id_fields = ["creator"]
    inlines = [RoomTagInline, MembershipInline, MessageInline]
    actions = ["archive_rooms", "unarchive_rooms"]

    def get_queryset(self, request):
        return super().get_queryset(request).chat_rooms()

    @admin.action(description="Archive selected rooms (read-only, no new messages)")
    def archive_rooms(self, request, queryset):
        for room in queryset:
            services.room_archive(room=room, archived=True)
        self.message_user(request, f"Archived {queryset.count()} room(s).", messages.SUCCESS)

    @admin.action(description="Unarchive selected rooms")
    def unarchive_rooms(self, request, queryset):
        for room in queryset:
            services.room_archive(room=room, archived=False)
        self.message_user(request, f"Unarchived {queryset.count()} room(s).", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["room__name", "user__handle"]
    list_select_related = ["room", "user"]
    raw_id_fields = ["room", "user"]
    actions = ["ban_members"]

    def get_queryset(self, request):
        return super().get_queryset(request).in_chat_rooms()

    @admin.action(description="Ban selected members from their rooms")
    def ban_members(self, request, queryset):
        pairs = [(m.room, m.user) for m in queryset.select_related("room", "user")]
        ban_pairs(self, request, pairs)


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "room", "author", "kind", "short_content", "created_at", "is_deleted"]
    list_filter = ["kind", "is_deleted"]
    search_fields = ["content", "author__handle", "room__name"]
    list_select_related = ["room", "author"]
    raw_id_fields = ["room", "author", "parent"]
    readonly_fields = ["created_at", "edited_at"]
    actions = ["delete_messages", "ban_authors"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(room__kind=RoomKind.ROOM)

    @admin.display(description="content")
    def short_content(self, message):
        return message.content[:80]

    @admin.action(description="Delete selected messages (soft: they keep their place)")
    def delete_messages(self, request, queryset):
        for message in queryset.select_related("room"):
            services.message_delete_by_staff(message=message)
        self.message_user(request, "Deleted the selected messages.", messages.SUCCESS)

    @admin.action(description="Ban the authors of selected messages from those rooms")
    def ban_authors(self, request, queryset):
        pairs = {(m.room, m.author) for m in queryset.select_related("room", "author").exclude(author=None)}
        ban_pairs(self, request, pairs)


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "banned_by", "reason", "created_at"]
    search_fields = ["room__name", "user__handle", "reason"]
    list_select_related = ["room", "user", "banned_by"]
    raw_id_fields = ["room", "user", "banned_by"]


@admin.register(Invite)
class InviteAdmin(admin.ModelAdmin):
    list_display = ["code", "room", "created_by", "invitee", "expires_at", "max_uses", "uses"]
    list_select_related = ["room", "created_by", "invitee"]
    raw_id_fields = ["room", "created_by", "invitee"]
