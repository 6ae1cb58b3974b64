"""Streaks across UTC day boundaries, driven by the real actions (post, comment, chat message, task change)."""

import datetime

import pytest
import time_machine

from gamification.models import ActivityDay, UserBadge
from posts.models import Post
from projects import services as project_services
from tests.conftest import client_for
from tests.factories import MembershipFactory, RoomFactory, UserFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
START = datetime.datetime(2026, 5, 1, 23, 30, tzinfo=UTC)


@pytest.fixture
def scene(db):
    """A user who is a member of a room and owns a project with a task, plus a post to comment on."""
    user = UserFactory()
    room = RoomFactory()
    MembershipFactory(room=room, user=user)
    other_post = Post.objects.create(author=UserFactory(), title="Comment here", content="...")
    project = project_services.project_create(owner=user, name="Streaky")
    task = project_services.task_create(project=project, actor=user, title="Toggle me")
    return {"user": user, "room": room, "post": other_post, "task": task}


def act(scene, kind: str, moment: datetime.datetime, on_commit) -> None:
    """One contribution of `kind` at `moment`, through the API."""
    with time_machine.travel(moment, tick=False), on_commit():
        client = client_for(scene["user"])  # tokens are issued in the travelled time
        if kind == "post":
            response = client.post("/api/v1/posts/", {"title": f"At {moment}", "content": "..."}, format="json")
        elif kind == "comment":
            response = client.post(f"/api/v1/posts/{scene['post'].pk}/comments/", {"content": "Nice"}, format="json")
        elif kind == "message":
            response = client.post(f"/api/v1/rooms/{scene['room'].pk}/messages/", {"content": "hi"}, format="json")
        else:
            task = scene["task"]
            task.refresh_from_db()
            new_status = "in_progress" if task.status == "todo" else "todo"
            url = f"/api/v1/projects/{task.project_id}/tasks/{task.number}/"
            assert client.patch(url, {"status": new_status}, format="json").status_code == 200
            return
        assert response.status_code == 201, response.content


def streak(user) -> tuple[int, int]:
    user.refresh_from_db()
    return user.current_streak, user.longest_streak


def has_week_warrior(user) -> bool:
    return UserBadge.objects.filter(user=user, badge__code="week_warrior").exists()


def test_week_warrior_on_the_seventh_consecutive_utc_day_not_the_sixth(scene, on_commit):
    user = scene["user"]
    kinds = ["post", "comment", "message", "task", "post", "comment", "message"]
    for day, kind in enumerate(kinds[:6]):
        # 23:30 UTC each day: an hour after the sixth action it is already the seventh day.
        act(scene, kind, START + datetime.timedelta(days=day), on_commit)
        assert streak(user) == (day + 1, day + 1), kind
    # A second action on day six changes nothing.
    act(scene, "post", START + datetime.timedelta(days=5, minutes=20), on_commit)
    assert streak(user) == (6, 6)
    assert not has_week_warrior(user)
    act(scene, kinds[6], START + datetime.timedelta(days=5, hours=1), on_commit)  # 00:30, the seventh day
    assert streak(user) == (7, 7)
    assert has_week_warrior(user)
    assert ActivityDay.objects.filter(user=user).count() == 7


def test_a_missed_day_restarts_the_streak_and_keeps_the_longest(scene, on_commit):
    user = scene["user"]
    for day in range(6):
        act(scene, "message", START + datetime.timedelta(days=day), on_commit)
    assert streak(user) == (6, 6)
    act(scene, "comment", START + datetime.timedelta(days=7), on_commit)  # day seven skipped
    assert streak(user) == (1, 6)
    assert not has_week_warrior(user)


def test_two_actions_around_midnight_are_two_days(scene, on_commit):
    user = scene["user"]
    act(scene, "post", datetime.datetime(2026, 6, 1, 23, 59, 59, tzinfo=UTC), on_commit)
    act(scene, "comment", datetime.datetime(2026, 6, 2, 0, 0, 1, tzinfo=UTC), on_commit)
    assert streak(user) == (2, 2)
    assert sorted(ActivityDay.objects.filter(user=user).values_list("day", "contributions")) == [
        (datetime.date(2026, 6, 1), 1),
        (datetime.date(2026, 6, 2), 1),
    ]
