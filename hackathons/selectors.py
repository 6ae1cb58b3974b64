"""Reads of the hackathons app: lists at a fixed number of queries, visibility of results, standings.

Standings (the leaderboard)
---------------------------
For each team with a submission and each criterion c (weight w_c, maximum m_c), let s_c be the mean
of the judges' scores on c (0 when no judge scored it). Then

    score = sum over c of w_c * (s_c / m_c)

and teams are ranked by standard competition ranking: equal scores share a rank and the next rank
skips (1, 2, 2, 4). Scores are compared rounded to 6 decimals, so floating-point noise never splits
a tie. Computed from one aggregate over the scores plus two small reads, whatever the field's size.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields import BooleanField, IntegerField
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.params import path_id
from codenest.errors import NotFound
from hackathons.models import (
    Criterion,
    Hackathon,
    HackathonStatus,
    JoinRequest,
    Judge,
    Score,
    Submission,
    Team,
    TeamMember,
)
from projects.selectors import users_by_skill_match
from users.models import User
from users.types import Viewer, is_signed_in

SCORE_DECIMALS = 6


def status_filter(status: str, now: datetime | None = None) -> Q:
    """The clock-driven status as a filter (the same rule as Hackathon.status_at)."""
    now = now or timezone.now()
    open_ = Q(results_published_at__isnull=True)
    return {
        HackathonStatus.UPCOMING: open_ & Q(starts_at__gt=now),
        HackathonStatus.RUNNING: open_ & Q(starts_at__lte=now, submission_deadline__gt=now),
        HackathonStatus.JUDGING: open_ & Q(submission_deadline__lte=now),
        HackathonStatus.ENDED: Q(results_published_at__isnull=False),
    }[status]  # type: ignore[index]  # HackathonStatus is a str enum: its values are its keys


# --- hackathons ------------------------------------------------------------------------------


def _current_members() -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(left_at__isnull=True)


def _with_list_data(hackathons: QuerySet[Hackathon], user: Viewer) -> QuerySet[Hackathon]:
    team_count = Team.objects.filter(hackathon=OuterRef("pk")).order_by().values("hackathon")
    team_count = team_count.annotate(n=Count("id")).values("n")  # type: ignore[assignment]  # the same subquery, annotated
    hackathons = hackathons.select_related("organizer").prefetch_related(
        Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id"))
    )
    hackathons = hackathons.annotate(team_count=Coalesce(Subquery(team_count), 0))
    if is_signed_in(user):
        my_team = _current_members().filter(hackathon=OuterRef("pk"), user=user).values("team_id")[:1]
        return hackathons.annotate(
            my_team=Subquery(my_team),
            is_judge=Exists(Judge.objects.filter(hackathon=OuterRef("pk"), user=user)),
        )
    return hackathons.annotate(
        my_team=Value(None, output_field=IntegerField()), is_judge=Value(False, output_field=BooleanField())
    )


def hackathon_list(*, user: Viewer, status: str | None = None, search: str | None = None) -> QuerySet[Hackathon]:
    """Every hackathon (they are public), the latest start first."""
    hackathons = Hackathon.objects.all()
    if status:
        hackathons = hackathons.filter(status_filter(status))
    if search:
        hackathons = hackathons.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return _with_list_data(hackathons, user).order_by("-starts_at", "-id")


def hackathon_get(*, hackathon_id: int, user: Viewer) -> Hackathon:
    hackathon = _with_list_data(Hackathon.objects.filter(pk=path_id(hackathon_id)), user).first()
    if hackathon is None:
        raise NotFound("No such hackathon.")
    return hackathon


def is_judge(*, hackathon: Hackathon, user: Viewer) -> bool:
    if not is_signed_in(user):
        return False
    if hasattr(hackathon, "is_judge"):
        return bool(hackathon.is_judge)
    return Judge.objects.filter(hackathon=hackathon, user=user).exists()


def is_organizer(*, hackathon: Hackathon, user: Viewer) -> bool:
    return is_signed_in(user) and hackathon.organizer_id == user.pk


def judge_list(*, hackathon: Hackathon) -> QuerySet[Judge]:
    return Judge.objects.filter(hackathon=hackathon).select_related("user").order_by("id")


def current_membership(*, hackathon: Hackathon, user: Viewer) -> TeamMember | None:
    """The user's current team membership in this hackathon (one at most: a database constraint)."""
    if not is_signed_in(user):
        return None
    return _current_members().filter(hackathon=hackathon, user=user).select_related("team").first()


# --- teams -----------------------------------------------------------------------------------


def _member_prefetch() -> Prefetch:
    members = _current_members().select_related("user").order_by("id")
    return Prefetch("memberships", queryset=members, to_attr="current_members")


def team_list(*, hackathon: Hackathon, looking_for_members: bool | None = None) -> QuerySet[Team]:
    teams = Team.objects.filter(hackathon=hackathon)
    if looking_for_members is not None:
        teams = teams.filter(looking_for_members=looking_for_members)
    return (
        teams.select_related("leader")
        .prefetch_related(_member_prefetch(), "required_skills")
        .annotate(has_submission=Exists(Submission.objects.filter(team=OuterRef("pk"))))
        .order_by("id")
    )


def team_get(*, hackathon: Hackathon, team_id: int) -> Team:
    team = team_list(hackathon=hackathon).filter(pk=path_id(team_id)).first()
    if team is None:
        raise NotFound("No such team.")
    team.hackathon = hackathon  # keeps the viewer annotations (is_judge, my_team) for permission checks
    return team


def team_submission_visible_to(*, team: Team, user: Viewer) -> Submission | None:
    """A team's submission for its members, the organizer, judges once judging starts, all once ended."""
    hackathon = team.hackathon
    status = hackathon.status
    may_see = (
        status == HackathonStatus.ENDED
        or is_organizer(hackathon=hackathon, user=user)
        or (status == HackathonStatus.JUDGING and is_judge(hackathon=hackathon, user=user))
        or (is_signed_in(user) and any(m.user_id == user.pk for m in team.current_members))  # type: ignore[attr-defined]  # Prefetch(to_attr=)
    )
    if not may_see:
        return None
    return Submission.objects.filter(team=team).first()


def join_request_list(*, team: Team, viewer: Viewer, status: str | None = None) -> QuerySet[JoinRequest]:
    """A team's join requests for its leader (others: PermissionDenied), pending first, newest first."""
    if not is_signed_in(viewer) or team.leader_id != viewer.pk:
        raise PermissionDenied("Only the team's leader sees its join requests.")
    requests = JoinRequest.objects.filter(team=team).select_related("user")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-id")


def candidates(*, hackathon: Hackathon, team: Team | None) -> QuerySet[User]:
    """Participants without a team, best skill match for `team` first (projects' scoring, reused).

    Participants: active users who are looking to collaborate or have asked to join a team of this
    hackathon; never its organizer, its judges or anyone on one of its teams.
    """
    asked = JoinRequest.objects.filter(team__hackathon=hackathon, user=OuterRef("pk"))
    users = (
        User.objects.filter(is_active=True)
        .filter(Q(looking_to_collaborate=True) | Exists(asked))
        .exclude(pk=hackathon.organizer_id)
        .exclude(pk__in=Judge.objects.filter(hackathon=hackathon).values("user_id"))
        .exclude(pk__in=_current_members().filter(hackathon=hackathon).values("user_id"))
    )
    required_ids = list(team.required_skills.values_list("id", flat=True)) if team is not None else []
    return users_by_skill_match(users=users, required_skill_ids=required_ids)


# --- submissions and results ----------------------------------------------------------------


def _may_see_results(*, hackathon: Hackathon, user: Viewer) -> bool:
    status = hackathon.status
    if status == HackathonStatus.ENDED:
        return True
    return status == HackathonStatus.JUDGING and (
        is_organizer(hackathon=hackathon, user=user) or is_judge(hackathon=hackathon, user=user)
    )


def submission_list(*, hackathon: Hackathon, viewer: Viewer) -> QuerySet[Submission]:
    """Judges and the organizer from the deadline on (the organizer also before), everyone once ended."""
    if not (_may_see_results(hackathon=hackathon, user=viewer) or is_organizer(hackathon=hackathon, user=viewer)):
        raise PermissionDenied("Submissions are shown to the judges and the organizer until results are published.")
    submissions = Submission.objects.filter(hackathon=hackathon).select_related("team").order_by("id")
    if is_judge(hackathon=hackathon, user=viewer):
        mine = Score.objects.filter(judge__hackathon=hackathon, judge__user=viewer).order_by("criterion_id")  # type: ignore[misc]  # a judge is signed in
        submissions = submissions.prefetch_related(Prefetch("scores", queryset=mine, to_attr="my_scores"))
    return submissions


def submission_get(*, hackathon: Hackathon, submission_id: int) -> Submission:
    submission = (
        Submission.objects.filter(hackathon=hackathon, pk=path_id(submission_id)).select_related("team").first()
    )
    if submission is None:
        raise NotFound("No such submission.")
    return submission


@dataclass(frozen=True)
class Standing:
    rank: int
    team: Team
    score: float


def standings(*, hackathon: Hackathon) -> list[Standing]:
    """Teams with a submission, best first, scored and ranked as the module docstring says."""
    criteria = list(Criterion.objects.filter(hackathon=hackathon))
    means: defaultdict[int, dict] = defaultdict(dict)
    rows = (
        Score.objects.filter(submission__hackathon=hackathon)
        .order_by()
        .values("submission_id", "criterion_id")
        .annotate(mean=Avg("value"))
    )
    for row in rows:
        means[row["submission_id"]][row["criterion_id"]] = row["mean"]
    teams = list(
        Team.objects.filter(hackathon=hackathon, submission__isnull=False).select_related("submission").order_by("id")
    )
    scored = []
    for team in teams:
        mine = means.get(team.submission.pk, {})
        score = sum(c.weight * (mine.get(c.pk, 0) or 0) / c.max_score for c in criteria)
        scored.append((round(score, SCORE_DECIMALS), team))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    result, previous, rank = [], None, 0
    for position, (score, team) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        result.append(Standing(rank=rank, team=team, score=score))
    return result


def leaderboard(*, hackathon: Hackathon, viewer: Viewer) -> list[Standing]:
    """Public once the results are published; a preview for the organizer and judges while judging."""
    if not _may_see_results(hackathon=hackathon, user=viewer):
        raise PermissionDenied("The results are not published yet.")
    return standings(hackathon=hackathon)
