import pytest

from projects import signals
from projects.models import ProjectRole
from tests.factories import ProjectFactory, ProjectMemberFactory, UserFactory


class Team:
    """A project with one user per role plus an outsider, and a client for each."""

    def __init__(self, make_client, **project_fields):
        self.owner = UserFactory()
        self.project = ProjectFactory(owner=self.owner, **project_fields)
        self.maintainer = ProjectMemberFactory(project=self.project, role=ProjectRole.MAINTAINER).user
        self.developer = ProjectMemberFactory(project=self.project, role=ProjectRole.DEVELOPER).user
        self.viewer = ProjectMemberFactory(project=self.project, role=ProjectRole.VIEWER).user
        self.outsider = UserFactory()
        self._make_client = make_client

    def client(self, who: str):
        return self._make_client(getattr(self, who)) if who != "anon" else self._make_client(None)

    def url(self, suffix: str = "") -> str:
        return f"/api/v1/projects/{self.project.pk}/{suffix}"


@pytest.fixture
def team(db, make_client):
    return Team(make_client)


@pytest.fixture
def private_team(db, make_client):
    return Team(make_client, visibility="private")


PROJECT_SIGNALS = [
    signals.project_created,
    signals.member_added,
    signals.task_created,
    signals.task_assigned,
    signals.task_status_changed,
    signals.commit_linked,
]


@pytest.fixture
def captured(recording_signals):
    """The projects signals sent during a test, as (signal, kwargs) in order.

    Services send them on commit: wrap the request in django_capture_on_commit_callbacks(execute=True)
    (or use a transactional test) for them to fire.
    """
    return recording_signals(*PROJECT_SIGNALS).signals
