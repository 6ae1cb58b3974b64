from django.contrib import admin

from rooms.models import Membership, Room


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug", "is_public", "is_archived", "created_at"]
    list_filter = ["is_public", "is_archived"]
    search_fields = ["name", "slug", "description"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["room", "user", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["room__name", "user__handle"]
    list_select_related = ["room", "user"]
