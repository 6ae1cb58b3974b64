"""Domain errors (codenest/errors.py) and how api/exceptions.py answers them.

Only the unique-constraint races a service names (codenest.errors.conflict_on) are a 409 with their
message; any other IntegrityError is a bug and stays a 500. The constraint names the services name
are checked against real violations, on SQLite and PostgreSQL alike.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import include, re_path
from django.utils import timezone
from rest_framework import routers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from codenest.errors import Conflict, conflict_on, unique_violation
from events import services as event_services
from hackathons import services as hackathon_services
from projects import services as project_services
from projects.models import ProjectMember
from rooms import services as room_services
from rooms.models import Membership, Room
from tests.conftest import client_for
from tests.factories import ProjectFactory, ProjectMemberFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db


def _violation(write) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    return caught.value


def _duplicate(instance):
    """The same row again under a new primary key: every unique column collides."""
    instance.pk = None
    instance._state.adding = True
    instance.save()


# --- the names the services expect are the names the database reports ---------------------------


def _room():
    return RoomFactory()


def _project():
    return ProjectFactory()


def _event():
    return event_services.event_create(creator=UserFactory(), title="Meetup")


def _hackathon():
    now = timezone.now()
    return hackathon_services.hackathon_create(
        organizer=UserFactory(),
        name="Hack",
        starts_at=now + timedelta(days=1),
        submission_deadline=now + timedelta(days=2),
        ends_at=now + timedelta(days=3),
    )


@pytest.mark.parametrize(
    ("make", "races"),
    [
        (_room, room_services.SLUG_RACE),
        (_project, project_services.SLUG_RACE),
        (_event, event_services.SLUG_RACE),
        (_hackathon, hackathon_services.SLUG_RACE),
    ],
    ids=["room", "project", "event", "hackathon"],
)
def test_each_slug_race_names_the_constraint_the_database_reports(make, races):
    instance = make()
    exc = _violation(lambda: _duplicate(instance))
    assert unique_violation(exc) in races


def test_the_member_race_names_the_constraint_the_database_reports():
    member = ProjectMemberFactory()
    exc = _violation(lambda: ProjectMember.objects.create(project=member.project, user=member.user, role="viewer"))
    assert unique_violation(exc) in project_services.MEMBER_RACE


def test_an_expression_index_is_named_too():
    from hackathons.models import Team

    hackathon = _hackathon()
    Team.objects.create(hackathon=hackathon, name="Owls", leader=UserFactory())
    exc = _violation(lambda: Team.objects.create(hackathon=hackathon, name="OWLS", leader=UserFactory()))
    assert unique_violation(exc) == "team_unique_name_per_hackathon"


def test_other_integrity_errors_are_no_unique_violation():
    room = RoomFactory()
    not_null = _violation(lambda: Room.objects.filter(pk=room.pk).update(slug=None))
    assert unique_violation(not_null) is None


def test_conflict_on_turns_only_the_named_race_into_a_conflict():
    member = ProjectMemberFactory()

    def again():
        ProjectMember.objects.create(project=member.project, user=member.user, role="viewer")

    with pytest.raises(Conflict) as caught, transaction.atomic(), conflict_on({"projectmember_unique": "Taken."}):
        again()
    assert caught.value.message == "Taken."
    with pytest.raises(IntegrityError), transaction.atomic(), conflict_on({"some_other_constraint": "Taken."}):
        again()
    assert ProjectMember.objects.filter(project=member.project, user=member.user).count() == 1


# --- through the HTTP layer: 409 for the named race, 500 for any other ----------------------------


class RaceViewSet(viewsets.ViewSet):
    """Stands in for a service that loses a race: the same membership written twice."""

    permission_classes = [AllowAny]

    def _membership_again(self):
        membership = Membership.objects.select_related("room", "user").get(pk=self.request.data["membership"])
        Membership.objects.create(room=membership.room, user=membership.user)

    @action(detail=False, methods=["post"])
    def expected(self, request, *args, **kwargs):
        with transaction.atomic(), conflict_on({"membership_unique": "Already a member of this room."}):
            self._membership_again()
        return Response({})

    @action(detail=False, methods=["post"])
    def unexpected(self, request, *args, **kwargs):
        with transaction.atomic():
            self._membership_again()
        return Response({})


router = routers.SimpleRouter()
router.register("races", RaceViewSet, basename="race")
urlpatterns = [re_path(r"^api/(?P<version>v[0-9]+)/", include(router.urls))]


@pytest.fixture
def membership():
    room = RoomFactory()
    return Membership.objects.create(room=room, user=UserFactory())


@pytest.mark.urls(__name__)
def test_a_named_race_is_a_409_with_its_message(membership):
    response = client_for(UserFactory()).post("/api/v1/races/expected/", {"membership": membership.pk}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "Already a member of this room."}
    assert Membership.objects.filter(room=membership.room, user=membership.user).count() == 1


@pytest.mark.urls(__name__)
def test_an_unknown_integrity_error_is_a_500_not_a_409(membership):
    client = client_for(UserFactory())
    client.raise_request_exception = False
    response = client.post("/api/v1/races/unexpected/", {"membership": membership.pk}, format="json")
    assert response.status_code == 500
    assert Membership.objects.filter(room=membership.room, user=membership.user).count() == 1


# --- a rename that loses the slug race ----------------------------------------------------------


@pytest.fixture
def slug_taken_at_save():
    """Another row takes the slug just before ours is written: the window between the service picking
    a free slug and saving it, when two renames to the same name run at the same moment."""
    from django.db.models.signals import pre_save

    connected = []

    def take(model, make_rival):
        def receiver(sender, instance, update_fields=None, **kwargs):
            if instance.pk and update_fields and "slug" in update_fields:
                make_rival(instance.slug)

        pre_save.connect(receiver, sender=model, weak=False)
        connected.append((receiver, model))

    yield take
    for receiver, model in connected:
        pre_save.disconnect(receiver, sender=model)


def test_a_project_renamed_into_a_slug_race_is_a_conflict_and_keeps_its_name(slug_taken_at_save):
    from projects.models import Project

    owner = UserFactory()
    project = project_services.project_create(owner=owner, name="Old name")
    slug_taken_at_save(Project, lambda slug: ProjectFactory(slug=slug, name="Rival"))
    with pytest.raises(Conflict) as caught:
        project_services.project_update(project=project, actor=owner, data={"name": "New name"})
    assert caught.value.message == project_services.SLUG_RACE["projects_project_slug_key"]
    project.refresh_from_db()
    assert (project.name, project.slug) == ("Old name", "old-name")


def test_a_hackathon_renamed_into_a_slug_race_is_a_conflict_and_keeps_its_name(slug_taken_at_save):
    from hackathons.models import Hackathon

    hackathon = _hackathon()
    rival_base = _hackathon()
    slug_taken_at_save(Hackathon, lambda slug: Hackathon.objects.filter(pk=rival_base.pk).update(slug=slug) and None)
    with pytest.raises(Conflict) as caught:
        hackathon_services.hackathon_update(hackathon=hackathon, actor=hackathon.organizer, data={"name": "Renamed"})
    assert caught.value.message in hackathon_services.SLUG_RACE.values()
    hackathon.refresh_from_db()
    assert hackathon.name == "Hack"
