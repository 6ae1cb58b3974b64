"""Demo hackathon for `make run` (called by users' seed_demo): running now, two teams. Idempotent by slug."""

from datetime import timedelta

from django.utils import timezone

from hackathons import services
from hackathons.models import Hackathon

DEMO_SLUG = "codenest-winter-jam"


def seed(*, users: dict, stdout) -> None:
    admin, alice, bob, carol = users["admin"], users["alice"], users["bob"], users["carol"]
    if not Hackathon.objects.filter(slug=DEMO_SLUG).exists():
        now = timezone.now()
        hackathon = services.hackathon_create(
            organizer=admin,
            name="CodeNest Winter Jam",
            description="48 hours to build a developer tool. Teams of up to 3.",
            starts_at=now - timedelta(hours=6),
            submission_deadline=now + timedelta(days=2),
            ends_at=now + timedelta(days=3),
            max_team_size=3,
            prize_pool="$3,000 and CodeNest stickers",
            rules="Build during the event; open source; be kind.",
            criteria=[
                {"name": "Innovation", "weight": 2.0, "max_score": 10},
                {"name": "Technical depth", "weight": 1.5, "max_score": 10},
                {"name": "Presentation", "weight": 1.0, "max_score": 5},
            ],
        )
        services.judge_add(hackathon=hackathon, actor=admin, user_id=carol.pk)
        for leader, name, skills in [
            (alice, "Terminal Velocity", ["go", "react"]),
            (bob, "Night Owls", ["python", "react"]),
        ]:
            services.team_create(hackathon=hackathon, leader=leader, name=name, required_skills=skills)
    stdout.write(
        f"Hackathon: {DEMO_SLUG} (running; teams Terminal Velocity and Night Owls; judge carol, organizer admin)."
    )
