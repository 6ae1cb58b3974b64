"""Each badge's rule at its threshold and not one below, triggered by the real action.

The state before the last step is bulk-created with factories/ORM where the real count would be
large; the step that crosses the threshold (and the one just below it) goes through the API or,
for apps whose endpoints are not routed yet, through their service (the same code the view calls).
"""

import pytest

from gamification.models import UserBadge
from posts.models import Post
from rooms.models import Membership
from tests.factories import MembershipFactory, RoomFactory, UserFactory
from users.models import Follow

pytestmark = pytest.mark.django_db


def badges_of(user) -> set[str]:
    return set(UserBadge.objects.filter(user=user).values_list("badge__code", flat=True))


def post_via_api(client, title="Hello") -> dict:
    response = client.post("/api/v1/posts/", {"title": title, "content": "Some words."}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def bulk_posts(author, count):
    Post.objects.bulk_create([Post(author=author, title=f"Old post {n}", content="...") for n in range(count)])


class TestPostBadges:
    def test_first_post_on_the_first_post_only(self, make_client, on_commit, awarded_signals):
        author = UserFactory()
        client = make_client(author)
        elsewhere = Post.objects.create(author=UserFactory(), title="Theirs", content="...")
        with on_commit():  # a comment is no post
            response = client.post(f"/api/v1/posts/{elsewhere.pk}/comments/", {"content": "Hi"}, format="json")
        assert response.status_code == 201
        assert badges_of(author) == set()
        with on_commit():
            post_via_api(client)
        assert badges_of(author) == {"first_post"}
        assert awarded_signals == [(author.pk, "first_post")]
        with on_commit():
            post_via_api(client, "Second")
        assert awarded_signals == [(author.pk, "first_post")]  # once per user
        assert UserBadge.objects.filter(user=author).count() == 1

    def test_rising_star_at_ten_posts_not_nine(self, make_client, on_commit):
        author = UserFactory()
        bulk_posts(author, 8)
        client = make_client(author)
        with on_commit():
            post_via_api(client, "Ninth")
        assert "rising_star" not in badges_of(author)
        with on_commit():
            post_via_api(client, "Tenth")
        assert {"first_post", "rising_star"} <= badges_of(author)

    def test_a_failing_rule_does_not_break_the_post(self, make_client, on_commit, caplog):
        from gamification.models import Badge

        Badge.objects.filter(code="first_post").delete()
        author = UserFactory()
        with on_commit():
            body = post_via_api(make_client(author))
        assert Post.objects.filter(pk=body["id"], author=author).exists()
        assert badges_of(author) == set()
        assert "first_post" in caplog.text


class TestKarmaKing:
    def test_at_one_hundred_karma_not_ninety_nine(self, make_client, on_commit):
        author = UserFactory(karma=98)
        post = Post.objects.create(author=author, title="Upvote me", content="...")
        first, second = UserFactory(), UserFactory()
        with on_commit():
            response = make_client(first).post(f"/api/v1/posts/{post.pk}/vote/", {"value": 1}, format="json")
        assert response.status_code == 200
        author.refresh_from_db()
        assert author.karma == 99
        assert "karma_king" not in badges_of(author)
        with on_commit():
            assert make_client(second).post(f"/api/v1/posts/{post.pk}/upvote/").status_code == 200
        author.refresh_from_db()
        assert author.karma == 100
        assert "karma_king" in badges_of(author)

    def test_karma_follows_votes_changed_and_withdrawn_on_posts_and_comments(self, make_client, on_commit):
        from posts.models import Comment

        author = UserFactory()
        post = Post.objects.create(author=author, title="Vote on me", content="...")
        comment = Comment.objects.create(post=post, author=author, content="and me", depth=0)
        voter = make_client(UserFactory())
        steps = [
            (f"/api/v1/posts/{post.pk}/vote/", 1, 1),
            (f"/api/v1/posts/{post.pk}/vote/", -1, -1),  # the up-vote becomes a down-vote: -2
            (f"/api/v1/comments/{comment.pk}/vote/", 1, 0),
            (f"/api/v1/posts/{post.pk}/vote/", 0, 1),  # withdrawn
            (f"/api/v1/posts/{post.pk}/vote/", 0, 1),  # withdrawn again: no change
        ]
        for url, value, expected in steps:
            with on_commit():
                assert voter.post(url, {"value": value}, format="json").status_code == 200
            author.refresh_from_db()
            assert author.karma == expected, (url, value)

    def test_voting_on_your_own_post_changes_no_karma(self, make_client, on_commit):
        author = UserFactory()
        post = Post.objects.create(author=author, title="Mine", content="...")
        with on_commit():
            response = make_client(author).post(f"/api/v1/posts/{post.pk}/vote/", {"value": 1}, format="json")
        assert response.status_code == 400
        author.refresh_from_db()
        assert author.karma == 0


class TestCommunityBuilder:
    def test_on_joining_the_fifth_room_not_the_fourth(self, make_client, on_commit):
        user = UserFactory()
        for _ in range(3):
            MembershipFactory(user=user)
        fourth, fifth = RoomFactory(), RoomFactory()
        client = make_client(user)
        with on_commit():
            assert client.post(f"/api/v1/rooms/{fourth.pk}/join/", {}, format="json").status_code == 200
        assert Membership.objects.filter(user=user).count() == 4
        assert "community_builder" not in badges_of(user)
        with on_commit():
            assert client.post(f"/api/v1/rooms/{fifth.pk}/join/", {}, format="json").status_code == 200
        assert "community_builder" in badges_of(user)

    def test_creating_a_room_counts_as_joining_it(self, make_client, on_commit):
        user = UserFactory()
        for _ in range(4):
            MembershipFactory(user=user)
        with on_commit():
            response = make_client(user).post("/api/v1/rooms/", {"name": "My own room"}, format="json")
        assert response.status_code == 201, response.content
        assert "community_builder" in badges_of(user)


class TestSocialButterfly:
    def test_at_fifty_followers_not_forty_nine(self, make_client, on_commit):
        star = UserFactory()
        fans = UserFactory.create_batch(50)
        Follow.objects.bulk_create([Follow(follower=fan, followee=star) for fan in fans[:48]])
        with on_commit():
            assert make_client(fans[48]).post(f"/api/v1/users/{star.pk}/follow/").status_code == 200
        assert "social_butterfly" not in badges_of(star)
        with on_commit():
            assert make_client(fans[49]).post(f"/api/v1/users/{star.pk}/follow/").status_code == 200
        assert "social_butterfly" in badges_of(star)
        assert badges_of(fans[49]) == set()  # the follower earns nothing


def create_project_via_api(client, name) -> dict:
    response = client.post("/api/v1/projects/", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_member_via_api(client, project_id, user) -> None:
    response = client.post(
        f"/api/v1/projects/{project_id}/members/", {"user": user.pk, "role": "developer"}, format="json"
    )
    assert response.status_code == 201, response.content


def bulk_tasks(project, count, **fields):
    from projects.models import Project, Task

    start = Project.objects.values_list("next_task_number", flat=True).get(pk=project.pk)
    Task.objects.bulk_create(
        [Task(project=project, number=start + n, title=f"Task {n}", **fields) for n in range(count)]
    )
    Project.objects.filter(pk=project.pk).update(next_task_number=start + count)
    return list(Task.objects.filter(project=project, number__gte=start).order_by("number"))


def push_via_webhook(client, project, *, commits, delivery) -> None:
    import hashlib
    import hmac
    import json

    body = json.dumps({"ref": "refs/heads/main", "commits": commits}).encode()
    signature = "sha256=" + hmac.new(project.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        f"/api/v1/projects/{project.pk}/github/webhook/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_GITHUB_DELIVERY=delivery,
    )
    assert response.status_code == 200, response.content


def commit_payload(sha_digit, message, email) -> dict:
    return {
        "id": sha_digit * 40,
        "message": message,
        "timestamp": "2026-05-01T10:00:00Z",
        "url": f"https://github.com/acme/app/commit/{sha_digit * 40}",
        "author": {"name": "Dev", "email": email},
    }


class TestProjectBadges:
    def test_first_project_on_creating_one(self, make_client, on_commit, awarded_signals):
        owner = UserFactory()
        with on_commit():
            create_project_via_api(make_client(owner), "Rocket")
        assert badges_of(owner) == {"first_project"}
        assert awarded_signals == [(owner.pk, "first_project")]

    def test_being_added_to_a_project_earns_no_first_project(self, make_client, on_commit):
        owner, member = UserFactory(), UserFactory()
        project = create_project_via_api(make_client(owner), "Theirs")
        with on_commit():
            add_member_via_api(make_client(owner), project["id"], member)
        assert badges_of(member) == set()

    def test_team_player_at_three_projects_not_two(self, make_client, on_commit):
        from tests.factories import ProjectFactory

        member = UserFactory()
        ProjectFactory(owner=member)  # one project of their own (the owner is a member)
        second, third = ProjectFactory(), ProjectFactory()
        with on_commit():
            add_member_via_api(make_client(second.owner), second.pk, member)
        assert "team_player" not in badges_of(member)
        with on_commit():
            add_member_via_api(make_client(third.owner), third.pk, member)
        assert "team_player" in badges_of(member)

    def test_team_player_by_creating_the_third_project(self, make_client, on_commit):
        from tests.factories import ProjectFactory

        user = UserFactory()
        ProjectFactory.create_batch(2, owner=user)
        with on_commit():
            create_project_via_api(make_client(user), "Third")
        assert {"first_project", "team_player"} <= badges_of(user)

    def test_task_crusher_at_ten_done_tasks_not_nine(self, make_client, on_commit):
        from tests.factories import ProjectFactory

        worker = UserFactory()
        project = ProjectFactory(owner=worker)
        bulk_tasks(project, 8, status="done", assignee=worker)
        ninth, tenth = bulk_tasks(project, 2, status="review", assignee=worker)
        bulk_tasks(project, 3, status="done")  # unassigned: nobody's
        client = make_client(worker)
        with on_commit():
            response = client.patch(f"/api/v1/projects/{project.pk}/tasks/{ninth.number}/", {"status": "done"})
        assert response.status_code == 200, response.content
        assert "task_crusher" not in badges_of(worker)
        with on_commit():
            response = client.patch(f"/api/v1/projects/{project.pk}/tasks/{tenth.number}/", {"status": "done"})
        assert response.status_code == 200, response.content
        assert "task_crusher" in badges_of(worker)

    def test_assigning_a_done_task_counts_for_the_assignee(self, make_client, on_commit):
        from projects.models import ProjectMember
        from tests.factories import ProjectFactory

        worker = UserFactory()
        project = ProjectFactory()
        ProjectMember.objects.create(project=project, user=worker, role="developer")
        bulk_tasks(project, 9, status="done", assignee=worker)
        (last,) = bulk_tasks(project, 1, status="done")
        with on_commit():
            response = make_client(project.owner).patch(
                f"/api/v1/projects/{project.pk}/tasks/{last.number}/", {"assignee": worker.pk}
            )
        assert response.status_code == 200, response.content
        assert "task_crusher" in badges_of(worker)

    def test_open_source_hero_when_a_pushed_commit_closes_a_task(self, anon_client, on_commit):
        from projects.models import Task
        from tests.factories import ProjectFactory

        dev = UserFactory(email="dev@example.com")
        project = ProjectFactory()
        (task,) = bulk_tasks(project, 1, status="in_progress")
        with on_commit():  # a commit that names no task earns nothing
            push_via_webhook(
                anon_client, project, commits=[commit_payload("a", "Refactor", "DEV@example.com")], delivery="d1"
            )
        assert "open_source_hero" not in badges_of(dev)
        with on_commit():
            push_via_webhook(
                anon_client,
                project,
                commits=[commit_payload("b", f"Fix the bug, closes #{task.number}", "DEV@example.com")],
                delivery="d2",
            )
        assert Task.objects.get(pk=task.pk).status == "done"
        assert "open_source_hero" in badges_of(dev)

    def test_a_closing_commit_by_an_unknown_author_awards_nobody(self, anon_client, on_commit):
        from tests.factories import ProjectFactory

        project = ProjectFactory()
        (task,) = bulk_tasks(project, 1)
        with on_commit():
            push_via_webhook(
                anon_client,
                project,
                commits=[commit_payload("c", f"closes #{task.number}", "stranger@elsewhere.dev")],
                delivery="d3",
            )
        assert not UserBadge.objects.filter(badge__code="open_source_hero").exists()
