"""Every write of the hackathons app. Keyword-only, one transaction, domain signals after commit.

Who may do what:
- the organizer edits the hackathon, chooses judges and publishes the results;
- any signed-in user who is neither organizer nor judge founds a team (and leads it) or asks to join
  one, while the teams are forming (before the submission deadline); one team per user;
- the leader edits the team, decides join requests, hands over leadership and submits (while running);
- judges score submissions while judging, except a team they were ever on.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from codenest.errors import NotFound, conflict_on
from codenest.realtime import send_signal_on_commit
from codenest.slugs import unique_slug
from hackathons import signals
from hackathons.models import (
    Criterion,
    Hackathon,
    HackathonStatus,
    JoinRequest,
    JoinRequestStatus,
    Judge,
    Score,
    Submission,
    Team,
    TeamMember,
    TeamRole,
)
from hackathons.selectors import current_membership, is_judge, standings
from projects.models import Project, ProjectMember
from users.models import User
from users.services import require_verified_email, skills_named

HACKATHON_FIELDS = ("name", "description", "prize_pool", "rules")
DATE_FIELDS = ("starts_at", "submission_deadline", "ends_at")
TEAM_FIELDS = ("name", "description", "looking_for_members")
SUBMISSION_FIELDS = ("title", "description", "repo_url", "demo_url")


def _invalid(message: str, field: str = "detail") -> ValidationError:
    return ValidationError({field: [message]})


def _require_organizer(hackathon: Hackathon, actor: User, action: str) -> None:
    if hackathon.organizer_id != actor.pk:
        raise PermissionDenied(f"Only the organizer may {action}.")


def _require_leader(team: Team, actor: User, action: str) -> None:
    if team.leader_id != actor.pk:
        raise PermissionDenied(f"Only the team's leader may {action}.")


def _require_status(hackathon: Hackathon, allowed: Iterable[str], message: str) -> None:
    if hackathon.status not in allowed:
        raise _invalid(message)


TEAMS_OPEN = (HackathonStatus.UPCOMING, HackathonStatus.RUNNING)
NOT_ENDED = (*TEAMS_OPEN, HackathonStatus.JUDGING)
TEAMS_CLOSED = "Teams are fixed once the submission deadline has passed."


# Two hackathons named alike at the same moment: the slug chosen for both is taken by the first.
SLUG_RACE = {
    "hackathons_hackathon_slug_key": "Another hackathon with this name was created at the same moment. Try again."
}


def _unique_slug(name: str, exclude_id: int | None = None) -> str:
    return unique_slug(name, among=Hackathon.objects.all(), fallback="hackathon", exclude_id=exclude_id)


def _check_dates(starts_at: datetime, submission_deadline: datetime, ends_at: datetime) -> None:
    if not starts_at < submission_deadline:
        raise _invalid("The submission deadline must be after the start.", "submission_deadline")
    if not submission_deadline <= ends_at:
        raise _invalid("The hackathon cannot end before the submission deadline.", "ends_at")


def _set_criteria(hackathon: Hackathon, criteria: list[dict]) -> None:
    names = [criterion["name"].strip().lower() for criterion in criteria]
    if len(set(names)) != len(names):
        raise _invalid("Criterion names must be unique.", "criteria")
    Criterion.objects.filter(hackathon=hackathon).delete()
    Criterion.objects.bulk_create(
        [
            Criterion(
                hackathon=hackathon,
                name=criterion["name"].strip(),
                weight=criterion.get("weight", 1.0),
                max_score=criterion.get("max_score", 10),
                position=position,
            )
            for position, criterion in enumerate(criteria)
        ]
    )


def _no_team_of(hackathon: Hackathon, user: User, *, who: str = "You are") -> None:
    if current_membership(hackathon=hackathon, user=user) is not None:
        raise _invalid(f"{who} already on a team of this hackathon.")


def _may_participate(hackathon: Hackathon, user: User) -> None:
    if hackathon.organizer_id == user.pk:
        raise _invalid("The organizer cannot be on a team of their own hackathon.")
    if is_judge(hackathon=hackathon, user=user):
        raise _invalid("A judge cannot be on a team.")


def _project_of_leader(*, project_id: int | None, leader: User) -> Project | None:
    """A CodeNest project the leader belongs to (an outsider's or a private stranger's project: 400)."""
    if project_id is None:
        return None
    project = Project.objects.filter(pk=project_id).first()
    if project is None or not ProjectMember.objects.filter(project=project, user=leader).exists():
        raise _invalid("No such project among your projects.", "project")
    return project


# --- hackathons ------------------------------------------------------------------------------


@transaction.atomic
def hackathon_create(
    *,
    organizer: User,
    name: str,
    starts_at: datetime,
    submission_deadline: datetime,
    ends_at: datetime,
    description: str = "",
    max_team_size: int = 4,
    prize_pool: str = "",
    rules: str = "",
    criteria: Sequence[dict] = (),
) -> Hackathon:
    require_verified_email(organizer)
    _check_dates(starts_at, submission_deadline, ends_at)
    if submission_deadline <= timezone.now():
        raise _invalid("The submission deadline must be in the future.", "submission_deadline")
    with conflict_on(SLUG_RACE):
        hackathon = Hackathon.objects.create(
            slug=_unique_slug(name),
            name=name,
            description=description,
            organizer=organizer,
            starts_at=starts_at,
            submission_deadline=submission_deadline,
            ends_at=ends_at,
            max_team_size=max_team_size,
            prize_pool=prize_pool,
            rules=rules,
        )
    _set_criteria(hackathon, list(criteria))
    return hackathon


@transaction.atomic
def hackathon_update(*, hackathon: Hackathon, actor: User, data: dict) -> Hackathon:
    _require_organizer(hackathon, actor, "edit the hackathon")
    require_verified_email(actor)
    hackathon = Hackathon.objects.select_for_update().get(pk=hackathon.pk)
    ended = hackathon.status == HackathonStatus.ENDED
    changed = [name for name in HACKATHON_FIELDS if name in data]
    for name in changed:
        setattr(hackathon, name, data[name])
    if "name" in data:
        hackathon.slug = _unique_slug(data["name"], exclude_id=hackathon.pk)
        changed.append("slug")
    dates = [name for name in DATE_FIELDS if name in data]
    if dates:
        if ended:
            raise _invalid("The dates of an ended hackathon cannot change.")
        for name in dates:
            setattr(hackathon, name, data[name])
        _check_dates(hackathon.starts_at, hackathon.submission_deadline, hackathon.ends_at)
        changed += dates
    if "max_team_size" in data:
        largest = max(
            (team.current_count for team in _teams_with_sizes(hackathon)),  # type: ignore[attr-defined]  # annotated by _teams_with_sizes
            default=0,
        )
        if data["max_team_size"] < largest:
            raise _invalid(f"A team already has {largest} members.", "max_team_size")
        hackathon.max_team_size = data["max_team_size"]
        changed.append("max_team_size")
    if changed:
        with conflict_on(SLUG_RACE):  # renamed at the same moment as another hackathon took the name
            hackathon.save(update_fields=[*changed, "updated_at"])
    if "criteria" in data:
        if ended or Score.objects.filter(submission__hackathon=hackathon).exists():
            raise _invalid("Criteria cannot change once judges have scored.", "criteria")
        _set_criteria(hackathon, data["criteria"])
    return hackathon


def _teams_with_sizes(hackathon: Hackathon) -> QuerySet[Team]:
    return Team.objects.filter(hackathon=hackathon).annotate(
        current_count=Count("memberships", filter=Q(memberships__left_at__isnull=True))
    )


@transaction.atomic
def judge_add(*, hackathon: Hackathon, actor: User, user_id: int) -> Judge:
    _require_organizer(hackathon, actor, "choose judges")
    _require_status(hackathon, NOT_ENDED, "The results are published already.")
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise _invalid("No such user.", "user")
    if current_membership(hackathon=hackathon, user=user) is not None:
        raise _invalid("This user is on a team: a judge cannot be on a team.", "user")
    if Judge.objects.filter(hackathon=hackathon, user=user).exists():
        raise _invalid("Already a judge of this hackathon.", "user")
    try:
        with transaction.atomic():
            judge = Judge.objects.create(hackathon=hackathon, user=user)
    except IntegrityError:
        raise _invalid("Already a judge of this hackathon.", "user") from None
    JoinRequest.objects.filter(team__hackathon=hackathon, user=user, status=JoinRequestStatus.PENDING).update(
        status=JoinRequestStatus.WITHDRAWN, decided_at=timezone.now()
    )
    return judge


@transaction.atomic
def judge_remove(*, hackathon: Hackathon, actor: User, user_id: int) -> None:
    """Removes the judge and their scores (a leaderboard counts the current judges only)."""
    _require_organizer(hackathon, actor, "choose judges")
    _require_status(hackathon, NOT_ENDED, "The results are published already.")
    deleted, _ = Judge.objects.filter(hackathon=hackathon, user_id=user_id).delete()
    if not deleted:
        raise NotFound("No such judge.")


# --- teams -----------------------------------------------------------------------------------


def _lock_user(user_id: int) -> None:
    """Serialise the writes about one person (memberships, their join requests) across teams.

    Taken before any of that person's join requests is locked, so two teams accepting the same
    person, or a person founding a team while being accepted, take turns instead of deadlocking.
    """
    User.objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True).first()


def _join(*, hackathon: Hackathon, team: Team, user: User, role: str) -> TeamMember:
    """Add a current member; the partial unique constraint settles a race between two teams."""
    _lock_user(user.pk)
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(hackathon=hackathon, team=team, user=user, role=role)
    except IntegrityError:
        raise _invalid("Already on a team of this hackathon.") from None
    # Other open requests of the newcomer are moot now.
    JoinRequest.objects.filter(team__hackathon=hackathon, user=user, status=JoinRequestStatus.PENDING).exclude(
        team=team
    ).update(status=JoinRequestStatus.WITHDRAWN, decided_at=timezone.now())
    return member


@transaction.atomic
def team_create(
    *,
    hackathon: Hackathon,
    leader: User,
    name: str,
    description: str = "",
    project_id: int | None = None,
    looking_for_members: bool = True,
    required_skills: Iterable[str] = (),
) -> Team:
    require_verified_email(leader)
    _require_status(hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    _may_participate(hackathon, leader)
    _no_team_of(hackathon, leader)
    if Team.objects.filter(hackathon=hackathon, name__iexact=name.strip()).exists():
        raise _invalid("A team of this hackathon already has this name.", "name")
    try:
        with transaction.atomic():
            team = Team.objects.create(
                hackathon=hackathon,
                name=name.strip(),
                description=description,
                leader=leader,
                project=_project_of_leader(project_id=project_id, leader=leader),
                looking_for_members=looking_for_members and hackathon.max_team_size > 1,
            )
    except IntegrityError:
        raise _invalid("A team of this hackathon already has this name.", "name") from None
    team.required_skills.set(skills_named(required_skills))
    _join(hackathon=hackathon, team=team, user=leader, role=TeamRole.LEADER)
    return team


def _current_member(team: Team, user_id: int) -> TeamMember | None:
    return TeamMember.objects.filter(team=team, user_id=user_id, left_at__isnull=True).first()


def _hand_over(team: Team, new_leader_id: int) -> None:
    successor = _current_member(team, new_leader_id)
    if successor is None:
        raise _invalid("The new leader must be a member of the team.", "leader")
    TeamMember.objects.filter(team=team, left_at__isnull=True, role=TeamRole.LEADER).update(role=TeamRole.MEMBER)
    TeamMember.objects.filter(pk=successor.pk).update(role=TeamRole.LEADER)
    team.leader_id = new_leader_id
    team.save(update_fields=["leader"])


@transaction.atomic
def team_update(*, team: Team, actor: User, data: dict) -> Team:
    _require_leader(team, actor, "edit the team")
    require_verified_email(actor)
    _require_status(team.hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    team = Team.objects.select_for_update().select_related("hackathon").get(pk=team.pk)
    changed = [name for name in TEAM_FIELDS if name in data]
    if "name" in data:
        data["name"] = data["name"].strip()
        clash = Team.objects.filter(hackathon=team.hackathon, name__iexact=data["name"]).exclude(pk=team.pk)
        if clash.exists():
            raise _invalid("A team of this hackathon already has this name.", "name")
    for name in changed:
        setattr(team, name, data[name])
    if "project" in data:
        team.project = _project_of_leader(project_id=data["project"], leader=actor)
        changed.append("project")
    if changed:
        team.save(update_fields=changed)
    if "required_skills" in data:
        team.required_skills.set(skills_named(data["required_skills"]))
    if data.get("leader") not in (None, team.leader_id):
        _hand_over(team, data["leader"])
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User) -> None:
    """The leader (or the organizer, moderating) removes a team while teams are forming."""
    hackathon = team.hackathon
    if actor.pk not in (team.leader_id, hackathon.organizer_id):
        raise PermissionDenied("Only the team's leader or the organizer may delete the team.")
    _require_status(hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    team.delete()


@transaction.atomic
def team_leave(*, team: Team, actor: User, new_leader_id: int | None = None) -> None:
    """A member leaves; the leader only by handing over to `new_leader_id`, or when alone (the team ends)."""
    _require_status(team.hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    team = Team.objects.select_for_update().select_related("hackathon").get(pk=team.pk)
    membership = _current_member(team, actor.pk)
    if membership is None:
        raise _invalid("You are not on this team.")
    if team.leader_id == actor.pk:
        others = TeamMember.objects.filter(team=team, left_at__isnull=True).exclude(pk=membership.pk).exists()
        if not others:
            team.delete()
            return
        if new_leader_id is None or new_leader_id == actor.pk:
            raise _invalid("Hand over the leadership first: leave with `new_leader`.", "new_leader")
        _hand_over(team, new_leader_id)
    TeamMember.objects.filter(pk=membership.pk).update(left_at=timezone.now(), role=TeamRole.MEMBER)


# --- join requests ---------------------------------------------------------------------------


def _member_count(team: Team) -> int:
    return TeamMember.objects.filter(team=team, left_at__isnull=True).count()


@transaction.atomic
def join_request_create(*, team: Team, user: User, message: str = "") -> JoinRequest:
    hackathon = team.hackathon
    require_verified_email(user)
    _require_status(hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    _may_participate(hackathon, user)
    _no_team_of(hackathon, user)
    if _member_count(team) >= hackathon.max_team_size:
        raise _invalid(f"This team is full ({hackathon.max_team_size} members).")
    if JoinRequest.objects.filter(team=team, user=user, status=JoinRequestStatus.PENDING).exists():
        raise _invalid("You already asked to join this team.")
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(team=team, user=user, message=message)
    except IntegrityError:
        raise _invalid("You already asked to join this team.") from None
    send_signal_on_commit(signals.join_request_created, sender=JoinRequest, join_request=join_request)
    return join_request


def _pending_request_locked(*, team: Team, actor: User, request_id: int, action: str) -> JoinRequest:
    _require_leader(team, actor, action)
    _require_status(team.hackathon, TEAMS_OPEN, TEAMS_CLOSED)
    join_request = JoinRequest.objects.select_for_update().filter(team=team, pk=request_id).first()
    if join_request is None:
        raise NotFound("No such join request.")
    if join_request.status != JoinRequestStatus.PENDING:
        raise _invalid(f"This request was already {join_request.status}.")
    return join_request


@transaction.atomic
def join_request_accept(*, team: Team, actor: User, request_id: int) -> JoinRequest:
    """The requester joins. The team's row lock serialises accepts, so `max_team_size` always holds."""
    hackathon = team.hackathon
    Team.objects.select_for_update().filter(pk=team.pk).first()
    requester_id = JoinRequest.objects.filter(team=team, pk=request_id).values_list("user_id", flat=True).first()
    if requester_id is not None:
        _lock_user(requester_id)
    join_request = _pending_request_locked(team=team, actor=actor, request_id=request_id, action="accept requests")
    if _member_count(team) >= hackathon.max_team_size:
        raise _invalid(f"The team is full ({hackathon.max_team_size} members).")
    requester = User.objects.get(pk=join_request.user_id)
    _may_participate(hackathon, requester)
    _no_team_of(hackathon, requester, who="The requester is")
    _join(hackathon=hackathon, team=team, user=requester, role=TeamRole.MEMBER)
    join_request.status = JoinRequestStatus.ACCEPTED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    if _member_count(team) >= hackathon.max_team_size and team.looking_for_members:
        Team.objects.filter(pk=team.pk).update(looking_for_members=False)
        team.looking_for_members = False
    join_request.user, join_request.team = requester, team
    send_signal_on_commit(
        signals.join_request_accepted, sender=JoinRequest, join_request=join_request, accepted_by=actor
    )
    return join_request


@transaction.atomic
def join_request_decline(*, team: Team, actor: User, request_id: int) -> JoinRequest:
    join_request = _pending_request_locked(team=team, actor=actor, request_id=request_id, action="decline requests")
    join_request.status = JoinRequestStatus.DECLINED
    join_request.decided_at = timezone.now()
    join_request.save(update_fields=["status", "decided_at"])
    return join_request


# --- submissions and scores ------------------------------------------------------------------


@transaction.atomic
def submission_put(*, team: Team, actor: User, data: dict) -> tuple[Submission, bool]:
    """Create or replace the team's submission (leader, while running). Returns (submission, created)."""
    _require_leader(team, actor, "submit")
    require_verified_email(actor)
    status = team.hackathon.status
    if status == HackathonStatus.UPCOMING:
        raise _invalid("Submissions open when the hackathon starts.")
    if status != HackathonStatus.RUNNING:
        raise _invalid("The submission deadline has passed.")
    Team.objects.select_for_update().filter(pk=team.pk).first()
    fields = {name: data.get(name, "") for name in SUBMISSION_FIELDS}
    fields["project"] = _project_of_leader(project_id=data.get("project"), leader=actor)
    submission, created = Submission.objects.update_or_create(
        team=team, defaults={"hackathon_id": team.hackathon_id, **fields}
    )
    return submission, created


@transaction.atomic
def scores_put(*, submission: Submission, actor: User, scores: dict[int, int]) -> dict[int, int]:
    """A judge's scores of one submission, per criterion (0..max_score), while judging. Returns all of
    the judge's scores of that submission."""
    hackathon = submission.hackathon
    judge = Judge.objects.filter(hackathon=hackathon, user=actor).first()
    if judge is None:
        raise PermissionDenied("Only the hackathon's judges score submissions.")
    if hackathon.status != HackathonStatus.JUDGING:
        raise _invalid("Scores are given while judging: after the submission deadline, before publishing.")
    if TeamMember.objects.filter(team_id=submission.team_id, user=actor).exists():
        raise PermissionDenied("You were on this team: you cannot score it.")
    criteria = {criterion.pk: criterion for criterion in Criterion.objects.filter(hackathon=hackathon)}
    errors = {}
    for criterion_id, value in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            errors[str(criterion_id)] = ["No such criterion in this hackathon."]
        elif not 0 <= value <= criterion.max_score:
            errors[str(criterion_id)] = [f"A score from 0 to {criterion.max_score}."]
    if errors:
        raise ValidationError(errors)
    for criterion_id, value in scores.items():
        Score.objects.update_or_create(
            judge=judge, submission=submission, criterion_id=criterion_id, defaults={"value": value}
        )
    return dict(Score.objects.filter(judge=judge, submission=submission).values_list("criterion_id", "value"))


@transaction.atomic
def results_publish(*, hackathon: Hackathon, actor: User) -> Hackathon:
    """Freeze the standings on the teams, end the hackathon and tell everyone how they did."""
    _require_organizer(hackathon, actor, "publish the results")
    hackathon = Hackathon.objects.select_for_update().get(pk=hackathon.pk)
    status = hackathon.status
    if status == HackathonStatus.ENDED:
        raise _invalid("The results are published already.")
    if status != HackathonStatus.JUDGING:
        raise _invalid("Results can be published after the submission deadline.")
    ranked = standings(hackathon=hackathon)
    for standing in ranked:
        standing.team.final_rank, standing.team.final_score = standing.rank, standing.score
    Team.objects.bulk_update([standing.team for standing in ranked], ["final_rank", "final_score"])
    hackathon.results_published_at = timezone.now()
    hackathon.save(update_fields=["results_published_at", "updated_at"])
    send_signal_on_commit(
        signals.results_published, sender=Hackathon, hackathon=hackathon, teams=[s.team for s in ranked]
    )
    return hackathon
