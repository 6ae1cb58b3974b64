from django.contrib.auth import password_validation
from rest_framework import serializers
from rest_framework_simplejwt.serializers import PasswordField, TokenObtainPairSerializer

from users.models import HANDLE_PATTERN, Block, DmPolicy, Proficiency, Skill, User, UserSkill


def optional_url_field():
    """A URL that may be empty: documented as a plain string, because "" is not a valid `uri`."""
    return serializers.CharField(read_only=True, help_text="A URL, or an empty string when not set.")


ERASED_USER = {"id": None, "handle": "deleted", "name": "Deleted user", "avatar": ""}


class UserSummarySerializer(serializers.ModelSerializer):
    """A user's public face: never the e-mail address. An erased account is the "deleted" placeholder."""

    id = serializers.IntegerField(read_only=True, allow_null=True, help_text="null for a deleted user")
    avatar = optional_url_field()

    class Meta:
        model = User
        fields = ["id", "handle", "name", "avatar"]
        read_only_fields = fields

    def to_representation(self, instance):
        if getattr(instance, "erased_at", None) is not None:
            return dict(ERASED_USER)
        return super().to_representation(instance)


def user_summary_data(user) -> dict | None:
    """UserSummarySerializer's output without the serializer machinery: lists call it once per row."""
    if user is None:
        return None
    if user.erased_at is not None:
        return dict(ERASED_USER)
    return {"id": user.id, "handle": user.handle, "name": user.name, "avatar": user.avatar}


def user_summary_of_row(row: dict, prefix: str) -> dict | None:
    """UserSummarySerializer's output from a list's .values() row: its `<prefix>_id`, `<prefix>__handle`,
    `<prefix>__name`, `<prefix>__avatar` and `<prefix>__erased_at` columns; None when there is no user."""
    if row[f"{prefix}_id"] is None:
        return None
    if row[f"{prefix}__erased_at"] is not None:
        return dict(ERASED_USER)
    return {
        "id": row[f"{prefix}_id"],
        "handle": row[f"{prefix}__handle"],
        "name": row[f"{prefix}__name"],
        "avatar": row[f"{prefix}__avatar"],
    }


class UserSkillSerializer(serializers.Serializer):
    skill = serializers.CharField(max_length=50, trim_whitespace=True)
    proficiency = serializers.ChoiceField(choices=Proficiency.choices, default=Proficiency.INTERMEDIATE)

    def to_representation(self, instance):
        if isinstance(instance, UserSkill):
            return {"skill": instance.skill.name, "proficiency": instance.proficiency}
        return super().to_representation(instance)

    def validate_skill(self, value):
        if not value.strip():
            raise serializers.ValidationError("A skill needs a name.")
        return value


def skills_field(**kwargs):
    return serializers.ListField(child=UserSkillSerializer(), max_length=50, **kwargs)


class MeSerializer(serializers.ModelSerializer):
    skills = serializers.SerializerMethodField()
    avatar = optional_url_field()
    github_url = optional_url_field()
    linkedin_url = optional_url_field()
    portfolio_url = optional_url_field()

    class Meta:
        model = User
        fields = [
            "id", "handle", "name", "avatar", "email", "bio", "github_url", "linkedin_url",
            "looking_to_collaborate", "skills", "karma", "current_streak", "longest_streak", "date_joined",
            "hire_me", "portfolio_url", "dm_policy", "email_verified", "has_password", "github_login",
        ]  # fmt: skip
        read_only_fields = fields

    has_password = serializers.SerializerMethodField()
    github_login = serializers.SerializerMethodField()

    def get_skills(self, user) -> list[dict]:
        return UserSkillSerializer(user.user_skills.all(), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    def get_has_password(self, user) -> bool:
        return user.has_usable_password()

    def get_github_login(self, user) -> str | None:
        for link in user.social_auth.all():  # prefetched by users.selectors.user_list
            if link.provider == "github":
                return (link.extra_data or {}).get("login") or None
        return None


class ProfileUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True, required=False)
    avatar = serializers.URLField(max_length=500, allow_blank=True, required=False)
    bio = serializers.CharField(max_length=2000, allow_blank=True, required=False, trim_whitespace=False)
    github_url = serializers.URLField(max_length=300, allow_blank=True, required=False)
    linkedin_url = serializers.URLField(max_length=300, allow_blank=True, required=False)
    looking_to_collaborate = serializers.BooleanField(required=False)
    hire_me = serializers.BooleanField(required=False)
    portfolio_url = serializers.URLField(max_length=300, allow_blank=True, required=False)
    dm_policy = serializers.ChoiceField(choices=DmPolicy.choices, required=False)
    skills = skills_field(required=False)
    email = serializers.EmailField(max_length=254, required=False, help_text="needs `password`; re-verified")
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, required=False, write_only=True, help_text="to change `email`"
    )

    def validate(self, attrs):
        if "email" in attrs and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["The current password is needed to change the e-mail."]})
        return attrs


class BadgeBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    icon = serializers.CharField()
    awarded_at = serializers.DateTimeField()


class PublicProfileSerializer(serializers.ModelSerializer):
    skills = serializers.SerializerMethodField()
    avatar = optional_url_field()
    github_url = optional_url_field()
    linkedin_url = optional_url_field()
    portfolio_url = optional_url_field()
    badges = serializers.SerializerMethodField()
    followers_count = serializers.IntegerField(read_only=True)
    following_count = serializers.IntegerField(read_only=True)
    is_following = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "handle", "name", "avatar", "bio", "github_url", "linkedin_url", "looking_to_collaborate",
            "skills", "karma", "badges", "followers_count", "following_count", "is_following", "date_joined",
            "hire_me", "portfolio_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_skills(self, user) -> list[dict]:
        return UserSkillSerializer(user.user_skills.all(), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList

    def get_badges(self, user) -> list[dict]:
        earned = getattr(user, "user_badges", None)  # gamification's relation, when installed
        if earned is None:
            return []
        rows = [
            {"code": ub.badge.code, "name": ub.badge.name, "icon": ub.badge.icon, "awarded_at": ub.awarded_at}
            for ub in earned.all()
        ]
        return BadgeBriefSerializer(rows, many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList


class StaffUserSerializer(MeSerializer):
    class Meta(MeSerializer.Meta):
        fields = [*MeSerializer.Meta.fields, "is_active", "is_staff"]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    handle = serializers.RegexField(
        HANDLE_PATTERN, max_length=30, error_messages={"invalid": "3 to 30 characters: a-z, 0-9, '_' or '-'."}
    )
    name = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")


class AuthResponseSerializer(serializers.Serializer):
    user = MeSerializer()
    access = serializers.CharField()
    refresh = serializers.CharField()


class LoginSerializer(TokenObtainPairSerializer):
    """simplejwt's e-mail + password login, with lengths bounded like the stored fields (400, not a 500)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(max_length=254, write_only=True)
        self.fields["password"] = PasswordField(max_length=128, trim_whitespace=False)


class TokenPairSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate_new_password(self, value):
        password_validation.validate_password(value, user=self.context["request"].user)
        return value


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name"]


class BlockSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(source="blocked", read_only=True)

    class Meta:
        model = Block
        fields = ["user", "created_at"]
        read_only_fields = fields


class PersonSerializer(serializers.ModelSerializer):
    """A row of the people directory: public fields only."""

    skills = serializers.SerializerMethodField()
    avatar = optional_url_field()
    match_score = serializers.FloatField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "handle", "name", "avatar", "bio", "skills", "looking_to_collaborate", "hire_me", "karma",
            "match_score",
        ]  # fmt: skip
        read_only_fields = fields

    def get_skills(self, user) -> list[dict]:
        return UserSkillSerializer(user.user_skills.all(), many=True).data  # type: ignore[return-value]  # many=True: .data is a ReturnList


class PeopleQuerySerializer(serializers.Serializer):
    skill = serializers.ListField(child=serializers.CharField(max_length=50), max_length=10, required=False)
    min_proficiency = serializers.ChoiceField(choices=Proficiency.choices, required=False)
    looking_to_collaborate = serializers.BooleanField(required=False, allow_null=True, default=None)
    hire_me = serializers.BooleanField(required=False, allow_null=True, default=None)
    search = serializers.CharField(max_length=100, required=False, allow_blank=True)


class EmailVerifySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=500)


class EmailVerifiedSerializer(serializers.Serializer):
    email_verified = serializers.BooleanField()


class EmailChangeSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class GitHubAuthorizeQuerySerializer(serializers.Serializer):
    redirect_uri = serializers.CharField(max_length=500)


class GitHubAuthorizeSerializer(serializers.Serializer):
    authorize_url = serializers.CharField()
    state = serializers.CharField()


class GitHubLoginSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=200)
    state = serializers.CharField(max_length=1000)


class GitHubLoginResponseSerializer(AuthResponseSerializer):
    created = serializers.BooleanField()


class EraseSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    github_code = serializers.CharField(max_length=200, required=False)
    state = serializers.CharField(max_length=1000, required=False, help_text="the state of that GitHub login")
