"""Hackathons: criteria, judges, teams and their members, join requests, submissions and scores.

The status is not stored: it follows the clock (`upcoming` before `starts_at`, `running` until the
`submission_deadline`, then `judging`) until the organizer publishes the results (`ended`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class HackathonStatus(models.TextChoices):
    UPCOMING = "upcoming"
    RUNNING = "running"
    JUDGING = "judging"
    ENDED = "ended"


class Hackathon(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=10000, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organized_hackathons"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    submission_deadline = models.DateTimeField()
    max_team_size = models.PositiveSmallIntegerField(default=4)
    prize_pool = models.CharField(max_length=200, blank=True)
    rules = models.TextField(max_length=20000, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("submission_deadline")) & Q(submission_deadline__lte=F("ends_at")),
                name="hackathon_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(max_team_size__gte=1) & Q(max_team_size__lte=50), name="hackathon_team_size_range"
            ),
        ]
        indexes = [
            models.Index(fields=["-starts_at", "-id"], name="hackathon_starts_idx"),
            models.Index(fields=["results_published_at", "submission_deadline"], name="hackathon_status_idx"),
        ]

    def __str__(self):
        return self.name

    def status_at(self, moment) -> str:
        if self.results_published_at is not None:
            return HackathonStatus.ENDED
        if moment < self.starts_at:
            return HackathonStatus.UPCOMING
        if moment < self.submission_deadline:
            return HackathonStatus.RUNNING
        return HackathonStatus.JUDGING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())


class Criterion(models.Model):
    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    weight = models.FloatField(default=1.0)
    max_score = models.PositiveSmallIntegerField(default=10)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(fields=["hackathon", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(weight__lte=1000), name="criterion_weight_range"),
            models.CheckConstraint(
                condition=Q(max_score__gte=1) & Q(max_score__lte=1000), name="criterion_max_score_range"
            ),
        ]

    def __str__(self):
        return f"{self.name} (×{self.weight:g}, /{self.max_score})"


class Judge(models.Model):
    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="judges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hackathon_judgings")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["hackathon", "user"], name="judge_unique")]
        indexes = [models.Index(fields=["user", "hackathon"], name="judge_user_idx")]

    def __str__(self):
        return f"{self.user} judges {self.hackathon}"


class Team(models.Model):
    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    description = models.TextField(max_length=5000, blank=True)
    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_teams")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="hackathon_teams"
    )
    looking_for_members = models.BooleanField(default=True)
    required_skills = models.ManyToManyField("users.Skill", blank=True, related_name="hackathon_teams")
    # Frozen when the organizer publishes the results (services.results_publish).
    final_rank = models.PositiveIntegerField(null=True, blank=True)
    final_score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint("hackathon", models.functions.Lower("name"), name="team_unique_name_per_hackathon"),
        ]
        indexes = [
            models.Index(fields=["hackathon", "looking_for_members", "id"], name="team_looking_idx"),
            models.Index(fields=["hackathon", "final_rank"], name="team_rank_idx"),
        ]

    def __str__(self):
        return self.name


class TeamRole(models.TextChoices):
    LEADER = "leader"
    MEMBER = "member"


class TeamMember(models.Model):
    """A membership; a member who leaves keeps the row with `left_at`, so a judge who once was on a
    team can be kept from scoring it. `hackathon` repeats the team's so the database itself allows
    one current team per user per hackathon."""

    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="team_members")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hackathon_teams")
    role = models.CharField(max_length=10, choices=TeamRole.choices, default=TeamRole.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hackathon", "user"], condition=Q(left_at__isnull=True), name="one_team_per_user_per_hackathon"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "left_at"], name="teammember_team_idx"),
            models.Index(fields=["user", "hackathon"], name="teammember_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} in {self.team}"


class JoinRequestStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the requester joined or founded another team meanwhile


class JoinRequest(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_join_requests")
    message = models.TextField(max_length=2000, blank=True)
    status = models.CharField(max_length=10, choices=JoinRequestStatus.choices, default=JoinRequestStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(status="pending"), name="joinrequest_one_pending_per_team"
            ),
        ]
        indexes = [
            models.Index(fields=["team", "status", "-id"], name="joinrequest_team_idx"),
            models.Index(fields=["user", "status"], name="joinrequest_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} → {self.team} ({self.status})"


class Submission(models.Model):
    hackathon = models.ForeignKey(Hackathon, on_delete=models.CASCADE, related_name="submissions")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="submission")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="hackathon_submissions"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=10000, blank=True)
    repo_url = models.URLField(max_length=300, blank=True)
    demo_url = models.URLField(max_length=300, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["hackathon", "id"], name="submission_hackathon_idx")]

    def __str__(self):
        return self.title


class Score(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["judge", "submission", "criterion"], name="score_once_per_judge"),
        ]
        indexes = [models.Index(fields=["submission", "criterion"], name="score_submission_idx")]

    def __str__(self):
        return f"{self.value} for {self.submission_id} on {self.criterion_id}"
