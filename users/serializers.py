from django.contrib.auth import password_validation
from rest_framework import serializers

from users.models import HANDLE_PATTERN, Block, DmPolicy, Proficiency, Skill, User, UserSkill


def optional_url_field():
    """A URL that may be empty: documented as a plain string, because "" is not a valid `uri`."""
    return serializers.CharField(read_only=True, help_text="A URL, or an empty string when not set.")


class UserSummarySerializer(serializers.ModelSerializer):
    """A user's public face: never the e-mail address."""

    avatar = optional_url_field()

    class Meta:
        model = User
        fields = ["id", "handle", "name", "avatar"]
        read_only_fields = fields


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
            "hire_me", "portfolio_url", "dm_policy",
        ]  # fmt: skip
        read_only_fields = fields

    def get_skills(self, user) -> list[dict]:
        return UserSkillSerializer(user.user_skills.all(), many=True).data


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
        return UserSkillSerializer(user.user_skills.all(), many=True).data

    def get_badges(self, user) -> list[dict]:
        earned = getattr(user, "user_badges", None)  # gamification's relation, when installed
        if earned is None:
            return []
        rows = [
            {"code": ub.badge.code, "name": ub.badge.name, "icon": ub.badge.icon, "awarded_at": ub.awarded_at}
            for ub in earned.all()
        ]
        return BadgeBriefSerializer(rows, many=True).data


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
