"""A hackathon with one person per role, a client for each, and moments in each phase.

Roles: organizer, judge, leader (of team `alpha`), member (of `alpha`), rival (leads `beta`),
outsider (signed in, on no team), anon. The hackathon is running when the test starts;
`field.at("judging")` travels to a moment of another phase (time_machine).
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hackathons import services
from tests.conftest import client_for
from tests.factories import UserFactory

ROLES = ["organizer", "judge", "leader", "member", "rival", "outsider"]


class Field:
    def __init__(self, *, max_team_size=3, criteria=None):
        now = timezone.now()
        self.organizer, self.judge, self.leader, self.member, self.rival, self.outsider = (UserFactory() for _ in ROLES)
        self.hackathon = services.hackathon_create(
            organizer=self.organizer,
            name="Test Jam",
            description="Build things.",
            starts_at=now - timedelta(hours=1),
            submission_deadline=now + timedelta(days=1),
            ends_at=now + timedelta(days=2),
            max_team_size=max_team_size,
            criteria=criteria
            if criteria is not None
            else [{"name": "Idea", "weight": 2, "max_score": 10}, {"name": "Code", "weight": 1, "max_score": 5}],
        )
        services.judge_add(hackathon=self.hackathon, actor=self.organizer, user_id=self.judge.pk)
        self.alpha = services.team_create(hackathon=self.hackathon, leader=self.leader, name="Alpha")
        self.add_member(self.alpha, self.member)
        self.beta = services.team_create(hackathon=self.hackathon, leader=self.rival, name="Beta")
        self.criteria = list(self.hackathon.criteria.order_by("position"))

    def add_member(self, team, user):
        join_request = services.join_request_create(team=team, user=user, message="hi")
        services.join_request_accept(team=team, actor=team.leader, request_id=join_request.pk)

    def client(self, who: str):
        return client_for(None if who == "anon" else getattr(self, who))

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/hackathons/{self.hackathon.pk}/{suffix}"

    def team_url(self, team, suffix: str = "") -> str:
        return self.url(f"teams/{team.pk}/{suffix}")

    def moment(self, phase: str):
        hackathon = self.hackathon
        return {
            "upcoming": hackathon.starts_at - timedelta(hours=1),
            "running": hackathon.starts_at + timedelta(minutes=1),
            "judging": hackathon.submission_deadline + timedelta(hours=1),
        }[phase]

    def at(self, phase: str):
        return time_machine.travel(self.moment(phase), tick=False)

    def submit(self, team, title="Our thing"):
        return services.submission_put(team=team, actor=team.leader, data={"title": title})[0]

    def publish(self):
        return services.results_publish(hackathon=self.hackathon, actor=self.organizer)


@pytest.fixture
def field(db):
    return Field()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the after-commit work (domain signals → notifications, badges) of what happens inside."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
