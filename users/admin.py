from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from users import services
from users.models import Block, Follow, Skill, User, UserSkill


class UserSkillInline(admin.TabularInline):
    model = UserSkill
    extra = 0
    autocomplete_fields = ["skill"]


class BlocksMadeInline(admin.TabularInline):
    model = Block
    fk_name = "blocker"
    extra = 0
    raw_id_fields = ["blocked"]
    readonly_fields = ["created_at"]
    verbose_name_plural = "blocks made"


class EmailUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "handle")


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = EmailUserCreationForm
    form = EmailUserChangeForm
    ordering = ["-id"]
    list_display = [
        "id", "email", "handle", "name", "email_verified", "github_login", "karma", "is_active", "is_staff",
        "date_joined",
    ]  # fmt: skip
    list_filter = ["is_active", "email_verified", "is_staff", "is_superuser", "looking_to_collaborate", "hire_me"]
    actions = ["resend_verification", "send_password_reset"]
    search_fields = ["email", "handle", "name"]
    inlines = [UserSkillInline, BlocksMadeInline]
    readonly_fields = ["date_joined", "last_login", "github_login", "erased_at"]
    fieldsets = [
        (None, {"fields": ["email", "email_verified", "handle", "password", "github_login", "erased_at"]}),
        (
            "Profile",
            {
                "fields": [
                    "name",
                    "avatar",
                    "bio",
                    "github_url",
                    "linkedin_url",
                    "portfolio_url",
                    "looking_to_collaborate",
                    "hire_me",
                    "dm_policy",
                ]
            },
        ),
        ("Activity", {"fields": ["karma", "current_streak", "longest_streak", "last_active_on"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("social_auth")

    @admin.display(description="GitHub")
    def github_login(self, user) -> str:
        for link in user.social_auth.all():
            if link.provider == "github":
                return (link.extra_data or {}).get("login") or link.uid
        return "—"

    @admin.action(description="Resend the verification e-mail")
    def resend_verification(self, request, queryset):
        pending = [user for user in queryset if user.email_verified is False and user.is_active]
        for user in pending:
            services.email_verification_resend(user=user)
        self.message_user(request, f"Verification e-mail queued for {len(pending)} user(s).", messages.SUCCESS)

    @admin.action(description="Send a password-reset e-mail")
    def send_password_reset(self, request, queryset):
        users = [user for user in queryset if user.is_active and not user.is_erased]
        for user in users:
            services.password_reset_request(email=user.email)
        self.message_user(request, f"Password-reset e-mail queued for {len(users)} user(s).", messages.SUCCESS)

    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "handle", "usable_password", "password1", "password2"]})
    ]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["id", "name"]


@admin.register(UserSkill)
class UserSkillAdmin(admin.ModelAdmin):
    list_display = ["user", "skill", "proficiency"]
    list_filter = ["proficiency"]
    search_fields = ["user__handle", "skill__name"]
    list_select_related = ["user", "skill"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followee", "created_at"]
    search_fields = ["follower__handle", "followee__handle"]
    list_select_related = ["follower", "followee"]
    date_hierarchy = "created_at"


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["blocker", "blocked", "created_at"]
    search_fields = ["blocker__handle", "blocked__handle"]
    list_select_related = ["blocker", "blocked"]
    raw_id_fields = ["blocker", "blocked"]
    date_hierarchy = "created_at"
