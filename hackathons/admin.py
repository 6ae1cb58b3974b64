from django.contrib import admin

from hackathons.models import Criterion, Hackathon, JoinRequest, Judge, Score, Submission, Team, TeamMember


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class JudgeInline(admin.TabularInline):
    model = Judge
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Hackathon)
class HackathonAdmin(admin.ModelAdmin):
    list_display = ["name", "organizer", "starts_at", "submission_deadline", "status", "max_team_size"]
    search_fields = ["name", "slug"]
    raw_id_fields = ["organizer"]
    date_hierarchy = "starts_at"
    # Results are published through the API (services.results_publish: ranks, notifications, badges).
    readonly_fields = ["results_published_at"]
    inlines = [CriterionInline, JudgeInline]

    @admin.display(description="status")
    def status(self, hackathon):
        return hackathon.status


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["user", "hackathon"]
    readonly_fields = ["joined_at"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "hackathon", "leader", "looking_for_members", "final_rank", "final_score"]
    list_filter = ["looking_for_members"]
    search_fields = ["name", "hackathon__name"]
    raw_id_fields = ["hackathon", "leader", "project"]
    filter_horizontal = ["required_skills"]
    readonly_fields = ["final_rank", "final_score"]
    inlines = [TeamMemberInline]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["team", "user", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["team__name", "user__handle"]
    raw_id_fields = ["team", "user"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["title", "team", "hackathon", "submitted_at", "updated_at"]
    search_fields = ["title", "team__name"]
    raw_id_fields = ["hackathon", "team", "project"]


@admin.register(Score)
class ScoreAdmin(admin.ModelAdmin):
    list_display = ["submission", "judge", "criterion", "value", "updated_at"]
    raw_id_fields = ["submission", "judge", "criterion"]
