from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.params import is_plain_integer
from hackathons.models import (
    Criterion,
    Hackathon,
    HackathonStatus,
    JoinRequest,
    JoinRequestStatus,
    Judge,
    Submission,
    Team,
    TeamMember,
    TeamRole,
)
from projects.serializers import SkillNameField, id_field
from users.serializers import UserSummarySerializer

# --- output ----------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "name", "weight", "max_score"]
        read_only_fields = fields


class HackathonSerializer(serializers.ModelSerializer):
    organizer = UserSummarySerializer(read_only=True)
    status = serializers.ChoiceField(choices=HackathonStatus.choices, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    team_count = serializers.IntegerField(read_only=True)
    my_team = serializers.IntegerField(read_only=True, allow_null=True)
    is_judge = serializers.BooleanField(read_only=True)

    class Meta:
        model = Hackathon
        fields = [
            "id", "slug", "name", "description", "organizer", "starts_at", "ends_at", "submission_deadline",
            "status", "max_team_size", "prize_pool", "rules", "criteria", "team_count", "my_team", "is_judge",
            "results_published_at", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class JudgeSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)

    class Meta:
        model = Judge
        fields = ["user", "added_at"]
        read_only_fields = fields


class TeamMemberSerializer(serializers.ModelSerializer):
    user = UserSummarySerializer(read_only=True)
    role = serializers.ChoiceField(choices=TeamRole.choices, read_only=True)

    class Meta:
        model = TeamMember
        fields = ["user", "role", "joined_at"]
        read_only_fields = fields


class TeamSerializer(serializers.ModelSerializer):
    hackathon = serializers.IntegerField(source="hackathon_id", read_only=True)
    leader = UserSummarySerializer(read_only=True)
    members = TeamMemberSerializer(source="current_members", many=True, read_only=True)
    member_count = serializers.SerializerMethodField()
    required_skills = serializers.SerializerMethodField()
    project = serializers.IntegerField(source="project_id", read_only=True, allow_null=True)
    has_submission = serializers.BooleanField(read_only=True)
    rank = serializers.IntegerField(source="final_rank", read_only=True, allow_null=True)
    score = serializers.FloatField(source="final_score", read_only=True, allow_null=True)

    class Meta:
        model = Team
        fields = [
            "id", "hackathon", "name", "description", "leader", "members", "member_count", "looking_for_members",
            "required_skills", "project", "has_submission", "rank", "score", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_member_count(self, team) -> int:
        return len(team.current_members)

    def get_required_skills(self, team) -> list[str]:
        return sorted(skill.name for skill in team.required_skills.all())


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class SubmissionSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True, allow_null=True)
    my_scores = serializers.SerializerMethodField(
        help_text="For a judge: their scores of this submission by criterion id; otherwise null."
    )

    class Meta:
        model = Submission
        fields = [
            "id", "team", "project", "title", "description", "repo_url", "demo_url", "submitted_at", "updated_at",
            "my_scores",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "integer"}, "nullable": True})
    def get_my_scores(self, submission) -> dict | None:
        if not hasattr(submission, "my_scores"):
            return None
        return {str(score.criterion_id): score.value for score in submission.my_scores}


class TeamDetailSerializer(TeamSerializer):
    submission = serializers.SerializerMethodField()

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "submission"]
        read_only_fields = fields

    @extend_schema_field(SubmissionSerializer(allow_null=True))
    def get_submission(self, team) -> dict | None:
        submission = getattr(team, "visible_submission", None)
        return SubmissionSerializer(submission).data if submission is not None else None


class TeamJoinRequestSerializer(serializers.ModelSerializer):
    team = serializers.IntegerField(source="team_id", read_only=True)
    user = UserSummarySerializer(read_only=True)
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices, read_only=True)

    class Meta:
        model = JoinRequest
        fields = ["id", "team", "user", "message", "status", "created_at", "decided_at"]
        read_only_fields = fields


class StandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    team = TeamRefSerializer()
    score = serializers.FloatField()


# --- input -----------------------------------------------------------------------------------


class CriterionWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.FloatField(min_value=0.01, max_value=1000, default=1.0)
    max_score = serializers.IntegerField(min_value=1, max_value=1000, default=10)


class HackathonWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=10000, allow_blank=True, required=False, trim_whitespace=False)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    submission_deadline = serializers.DateTimeField()
    max_team_size = serializers.IntegerField(min_value=1, max_value=50, required=False)
    prize_pool = serializers.CharField(max_length=200, allow_blank=True, required=False)
    rules = serializers.CharField(max_length=20000, allow_blank=True, required=False, trim_whitespace=False)
    criteria = serializers.ListField(child=CriterionWriteSerializer(), max_length=20, required=False)


class UserRefSerializer(serializers.Serializer):
    user = id_field()


class TeamWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False, trim_whitespace=False)
    project = id_field(allow_null=True, required=False)
    looking_for_members = serializers.BooleanField(required=False)
    required_skills = serializers.ListField(child=SkillNameField(), max_length=30, required=False)


class TeamUpdateSerializer(TeamWriteSerializer):
    leader = id_field(required=False, help_text="Hand the leadership over to this member.")


class TeamFilterSerializer(serializers.Serializer):
    looking_for_members = serializers.BooleanField(required=False, allow_null=True, default=None)


class HackathonFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=HackathonStatus.choices, required=False)
    search = serializers.CharField(max_length=100, required=False)


class CandidateFilterSerializer(serializers.Serializer):
    team = id_field(required=False, help_text="Rank for this team's required skills (default: my team).")


class TeamJoinRequestWriteSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")


class TeamJoinRequestFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=JoinRequestStatus.choices, required=False)


class LeaveSerializer(serializers.Serializer):
    new_leader = id_field(required=False, help_text="The member who leads after the leader leaves.")


class SubmissionWriteSerializer(serializers.Serializer):
    project = id_field(allow_null=True, required=False)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, allow_blank=True, required=False, trim_whitespace=False)
    repo_url = serializers.URLField(max_length=300, allow_blank=True, required=False)
    demo_url = serializers.URLField(max_length=300, allow_blank=True, required=False)


SCORES_SCHEMA = {
    "type": "object",
    "description": "A judge's scores by criterion id: {criterion id: score from 0 to the criterion's max_score}.",
    "additionalProperties": {"type": "integer", "minimum": 0},
}


def parse_scores(data) -> dict[int, int]:
    """`{criterion id: score}` → {int id: int score}; errors keyed like the input (or `detail`)."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"detail": ["Expected an object mapping criterion ids to scores."]})
    if not data:
        raise serializers.ValidationError({"detail": ["Give at least one score."]})
    if len(data) > 50:
        raise serializers.ValidationError({"detail": ["At most 50 scores at once."]})
    scores, errors = {}, {}
    score_field = serializers.IntegerField(min_value=0, max_value=1000)
    for key, value in data.items():
        label = str(key)[:30]
        if not (is_plain_integer(label) and 0 < int(label) < 2**63):
            errors[label] = ["Not a criterion id."]
            continue
        try:
            scores[int(label)] = score_field.run_validation(value)
        except serializers.ValidationError as exc:
            errors[label] = exc.detail  # type: ignore[assignment]  # errors are lists or dicts
    if errors:
        raise serializers.ValidationError(errors)
    return scores
