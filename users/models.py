from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

HANDLE_PATTERN = r"^[a-z0-9_-]{3,30}$"
handle_validator = RegexValidator(
    HANDLE_PATTERN, "3 to 30 characters: lower-case letters, digits, '_' or '-'.", code="invalid_handle"
)


class DmPolicy(models.TextChoices):
    """Who may start a direct conversation with a user."""

    EVERYONE = "everyone"
    FOLLOWING = "following"  # only people the user follows
    NOBODY = "nobody"


class CustomUserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email):
        # No stored address is longer than the field, and an over-long LIKE pattern is an error on SQLite.
        if len(email) > self.model._meta.get_field("email").max_length:
            raise self.model.DoesNotExist("No user has so long an e-mail address.")
        # Log-in is case-insensitive, like the uniqueness of e-mail addresses.
        return self.get(email__iexact=email)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        email = self.normalize_email(email).strip()
        extra_fields.setdefault("handle", email.split("@")[0].lower()[:30])
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields.get("is_staff") is not True:
            raise ValueError("Superuser must have is_staff=True.")
        if extra_fields.get("is_superuser") is not True:
            raise ValueError("Superuser must have is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    handle = models.CharField(max_length=30, unique=True, validators=[handle_validator])
    name = models.CharField(max_length=100, blank=True)
    avatar = models.URLField(max_length=500, blank=True)
    bio = models.TextField(max_length=2000, blank=True)
    github_url = models.URLField(max_length=300, blank=True)
    linkedin_url = models.URLField(max_length=300, blank=True)
    looking_to_collaborate = models.BooleanField(default=False, db_index=True)
    hire_me = models.BooleanField(default=False, db_index=True)
    portfolio_url = models.URLField(max_length=300, blank=True)
    dm_policy = models.CharField(max_length=10, choices=DmPolicy.choices, default=DmPolicy.EVERYONE)
    # Kept incrementally by gamification (karma = votes received; streaks of active UTC days).
    karma = models.IntegerField(default=0, db_index=True)
    current_streak = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    last_active_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    email_verified = models.BooleanField(default=False)
    # Set when the account was erased (DELETE users/me/): the row stays so content keeps its author,
    # but every personal field is blanked and the user shows as the "deleted" placeholder.
    erased_at = models.DateTimeField(null=True, blank=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = CustomUserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["handle"]

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return f"@{self.handle}"

    def save(self, *args, **kwargs):
        self.handle = (self.handle or "").lower()
        super().save(*args, **kwargs)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Skill(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Proficiency(models.TextChoices):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"


class UserSkill(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_skills")
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="user_skills")
    proficiency = models.CharField(max_length=12, choices=Proficiency.choices, default=Proficiency.INTERMEDIATE)

    class Meta:
        ordering = ["skill__name"]
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="userskill_unique")]

    def __str__(self):
        return f"{self.user} {self.skill} ({self.proficiency})"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_links")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_unique"),
            models.CheckConstraint(condition=~models.Q(follower=models.F("followee")), name="follow_not_self"),
        ]
        indexes = [models.Index(fields=["followee", "-id"], name="follow_followee_idx")]

    def __str__(self):
        return f"{self.follower} → {self.followee}"


class Block(models.Model):
    """`blocker` no longer hears from `blocked`: no follows, messages, mentions or directory listing.

    The effects apply both ways (users.selectors.is_blocked_between), so neither sees the other.
    """

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Also the index for "whom did I block" (its leading column is blocker).
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_blocked_idx")]

    def __str__(self):
        return f"{self.blocker} blocks {self.blocked}"
