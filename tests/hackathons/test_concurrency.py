"""max_team_size under concurrent accepts: real threads, one PostgreSQL connection each.

PostgreSQL only: SQLite serialises writers on a file lock, so it cannot show the race.
"""

import pytest
from django.conf import settings

from hackathons import services
from hackathons.models import JoinRequest, TeamMember
from tests.concurrency import run_together
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.IS_POSTGRES, reason="needs PostgreSQL for truly parallel writers"),
    pytest.mark.django_db(transaction=True),
]


def make_team(max_team_size):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    hackathon = services.hackathon_create(
        organizer=UserFactory(),
        name="Race",
        starts_at=now - timedelta(hours=1),
        submission_deadline=now + timedelta(days=1),
        ends_at=now + timedelta(days=1),
        max_team_size=max_team_size,
    )
    leader = UserFactory()
    return services.team_create(hackathon=hackathon, leader=leader, name="Racers"), leader


def test_parallel_accepts_never_overfill_a_team():
    team, leader = make_team(max_team_size=3)  # the leader + 2 places
    requests = [JoinRequest.objects.create(team=team, user=UserFactory()) for _ in range(8)]
    url = f"/api/v1/hackathons/{team.hackathon_id}/teams/{team.pk}/requests/{{}}/accept/"
    clients = [client_for(leader) for _ in requests]

    statuses = run_together(
        [lambda c=c, r=r: c.post(url.format(r.pk)).status_code for c, r in zip(clients, requests, strict=True)]
    )

    assert sorted(statuses) == [200, 200] + [400] * 6, statuses
    assert TeamMember.objects.filter(team=team, left_at__isnull=True).count() == 3
    assert JoinRequest.objects.filter(team=team, status="accepted").count() == 2
    assert JoinRequest.objects.filter(team=team, status="pending").count() == 6


def test_one_user_accepted_by_two_teams_at_once_joins_one():
    first, first_leader = make_team(max_team_size=4)
    hackathon = first.hackathon
    second_leader = UserFactory()
    second = services.team_create(hackathon=hackathon, leader=second_leader, name="Rivals")
    wanderer = UserFactory()
    to_first = JoinRequest.objects.create(team=first, user=wanderer)
    to_second = JoinRequest.objects.create(team=second, user=wanderer)
    base = f"/api/v1/hackathons/{hackathon.pk}/teams"
    calls = [
        lambda: client_for(first_leader).post(f"{base}/{first.pk}/requests/{to_first.pk}/accept/").status_code,
        lambda: client_for(second_leader).post(f"{base}/{second.pk}/requests/{to_second.pk}/accept/").status_code,
    ]

    statuses = run_together(calls)

    assert sorted(statuses) == [200, 400], statuses
    assert TeamMember.objects.filter(hackathon=hackathon, user=wanderer, left_at__isnull=True).count() == 1


def test_founding_a_team_while_being_accepted_ends_on_one_team():
    team, leader = make_team(max_team_size=4)
    hackathon = team.hackathon
    base = f"/api/v1/hackathons/{hackathon.pk}/teams/"
    for _ in range(3):  # a few rounds: either order of the race must end the same way
        wanderer = UserFactory()
        request = JoinRequest.objects.create(team=team, user=wanderer)
        calls = [
            lambda r=request: client_for(leader).post(f"{base}{team.pk}/requests/{r.pk}/accept/").status_code,
            lambda w=wanderer: client_for(w).post(base, {"name": f"Own {w.pk}"}, format="json").status_code,
        ]

        statuses = run_together(calls)

        assert sorted(statuses) in ([200, 400], [201, 400]), statuses
        assert TeamMember.objects.filter(hackathon=hackathon, user=wanderer, left_at__isnull=True).count() == 1
        TeamMember.objects.filter(team=team).exclude(user=leader).delete()  # room for the next round
