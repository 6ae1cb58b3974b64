"""Data for bench/lists.py, on top of `manage.py seed_bench` (which seeds users, rooms, posts, votes, comments):
chat messages with reactions, notifications, projects with members, required skills, tasks and labels.

    DATABASE_URL=... .venv/bin/python manage.py seed_bench --scale 1
    DATABASE_URL=... .venv/bin/python bench/seed_lists.py --scale 1

Full size (--scale 1): 200k messages, 100k reactions, 200k notifications, 2k projects, 100k tasks.
Bulk inserts, generated in memory first; it refuses to run twice. It lives beside the benchmarks, not
in an app, because it writes the tables of several apps at once (notifications among them).
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "codenest.settings")
os.environ.setdefault("CODENEST_TESTING", "1")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from notifications.models import Notification, Verb  # noqa: E402
from posts.management.commands.seed_bench import HANDLE_PREFIX, WORDS  # noqa: E402
from projects.models import Project, ProjectMember, ProjectRole, Task, TaskLabel, TaskPriority, TaskStatus  # noqa: E402
from rooms.models import Membership, Message, MessageKind, Reaction, ReadMarker, Room  # noqa: E402
from users.models import Skill, User  # noqa: E402

EMOJI = ["👍", "🎉", "❤️", "😂", "🚀", "👀"]
SKILLS = ["python", "django", "postgres", "rust", "go", "react", "typescript", "docker", "kubernetes", "redis"]
LABELS = ["bug", "feature", "docs", "backend", "frontend", "perf", "good-first-issue"]


def text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


def step(label: str, work):
    started = time.monotonic()
    result = work()
    print(f"  {label}: {time.monotonic() - started:.1f}s")
    return result


def seed(scale: float, rng: random.Random, batch: int) -> None:
    users = list(User.objects.filter(handle__startswith=HANDLE_PREFIX).order_by("pk").values_list("pk", flat=True))
    if not users:
        sys.exit("Run `manage.py seed_bench` first.")
    if Message.objects.filter(room__slug__startswith=HANDLE_PREFIX).exists():
        sys.exit("List data is already there; use a fresh database.")
    now = timezone.now()
    rooms = list(Room.objects.filter(slug__startswith=HANDLE_PREFIX).values_list("pk", flat=True))
    members = {}
    for room_id, user_id in Membership.objects.filter(room_id__in=rooms).values_list("room_id", "user_id"):
        members.setdefault(room_id, []).append(user_id)

    # Messages: oldest first, so ids grow with time as in a real room.
    count = max(int(200_000 * scale), 100)
    messages = []
    for _ in range(count):
        room_id = rng.choice(rooms)
        kind = MessageKind.CODE if rng.random() < 0.1 else MessageKind.TEXT
        messages.append(
            Message(
                room_id=room_id,
                author_id=rng.choice(members[room_id]),
                kind=kind,
                content=text(rng, 3, 40),
                code_language="python" if kind == MessageKind.CODE else "",
                is_deleted=rng.random() < 0.02,
                edited_at=now if rng.random() < 0.05 else None,
            )
        )
    step("messages", lambda: Message.objects.bulk_create(messages, batch_size=batch))
    message_rows = list(Message.objects.filter(room_id__in=rooms).values_list("pk", "room_id"))
    reactions, seen = [], set()
    for _ in range(max(int(100_000 * scale), 50)):
        message_id, room_id = rng.choice(message_rows)
        key = (message_id, rng.choice(members[room_id]), rng.choice(EMOJI))
        if key not in seen:
            seen.add(key)
            reactions.append(Reaction(message_id=key[0], user_id=key[1], emoji=key[2]))
    step("reactions", lambda: Reaction.objects.bulk_create(reactions, batch_size=batch))
    # Read markers half-way through each member's rooms: every room has an unread count to work out.
    last_id = {room_id: 0 for room_id in rooms}
    for message_id, room_id in message_rows:
        last_id[room_id] = max(last_id[room_id], message_id)
    markers = [
        ReadMarker(room_id=room_id, user_id=user_id, last_read_id=last_id[room_id] - rng.randint(0, 500))
        for room_id, ids in members.items()
        for user_id in ids
    ]
    step("read markers", lambda: ReadMarker.objects.bulk_create(markers, batch_size=batch))

    # Notifications: spread over everyone, with the first users (the benchmark's viewers) holding many.
    verbs = [Verb.COMMENT, Verb.REPLY, Verb.MENTION, Verb.FOLLOW]
    recipients = users[:10] * max(int(20 * scale), 2) + rng.choices(users, k=max(int(200_000 * scale), 100))
    notifications = [
        Notification(
            recipient_id=recipient,
            actor_id=rng.choice(users),
            verb=rng.choice(verbs),
            message=text(rng, 3, 12),
            link=f"/posts/{rng.randint(1, 10_000)}",
            target_type="post",
            target_id=rng.randint(1, 10_000),
            data={"post": rng.randint(1, 10_000)} if rng.random() < 0.5 else {},
            is_read=rng.random() < 0.5,
            created_at=now - timedelta(seconds=rng.randint(0, 86400 * 30)),
        )
        for recipient in recipients
    ]
    step("notifications", lambda: Notification.objects.bulk_create(notifications, batch_size=batch))

    # Projects, their members, required skills, tasks and labels.
    Skill.objects.bulk_create([Skill(name=name) for name in SKILLS], ignore_conflicts=True)
    skills = list(Skill.objects.filter(name__in=SKILLS).values_list("pk", flat=True))
    project_count = max(int(2_000 * scale), 20)
    projects = [
        Project(
            name=text(rng, 1, 4).title(),
            slug=f"{HANDLE_PREFIX}project-{i}",
            description=text(rng, 10, 60),
            owner_id=rng.choice(users),
            visibility="public" if rng.random() < 0.8 else "private",
            looking_for_members=rng.random() < 0.3,
        )
        for i in range(project_count)
    ]
    step("projects", lambda: Project.objects.bulk_create(projects, batch_size=batch))
    project_rows = list(
        Project.objects.filter(slug__startswith=HANDLE_PREFIX).order_by("pk").values_list("pk", "owner_id")
    )
    project_members, required = [], []
    for index, (project_id, owner_id) in enumerate(project_rows):
        people = {owner_id, *rng.sample(users, k=4)} | ({users[0]} if index % 3 == 0 else set())
        for user_id in people:
            role = ProjectRole.OWNER if user_id == owner_id else rng.choice([ProjectRole.DEVELOPER, ProjectRole.VIEWER])
            project_members.append(ProjectMember(project_id=project_id, user_id=user_id, role=role))
        for skill_id in rng.sample(skills, k=rng.randint(0, 4)):
            required.append(Project.required_skills.through(project_id=project_id, skill_id=skill_id))
    step("project members", lambda: ProjectMember.objects.bulk_create(project_members, batch_size=batch))
    Project.required_skills.through.objects.bulk_create(required, batch_size=batch)
    tasks = []
    per_project = max(int(100_000 * scale) // project_count, 1)
    for project_id, _owner in project_rows:
        # The first project is a big board: the task-list benchmark pages through it.
        for number in range(1, (per_project * 10 if project_id == project_rows[0][0] else per_project) + 1):
            tasks.append(
                Task(
                    project_id=project_id,
                    number=number,
                    title=text(rng, 2, 8).capitalize(),
                    description=text(rng, 0, 40),
                    status=rng.choice(TaskStatus.values),
                    priority=rng.choice(TaskPriority.values),
                    assignee_id=rng.choice(users) if rng.random() < 0.7 else None,
                    due_date=(now + timedelta(days=rng.randint(1, 90))).date() if rng.random() < 0.4 else None,
                    position=number,
                )
            )
    step("tasks", lambda: Task.objects.bulk_create(tasks, batch_size=batch))
    Project.objects.filter(pk__in=[p for p, _ in project_rows]).update(next_task_number=per_project * 10 + 1)
    task_ids = list(Task.objects.filter(project_id__in=[p for p, _ in project_rows]).values_list("pk", flat=True))
    labels = [
        TaskLabel(task_id=task_id, name=name)
        for task_id in task_ids
        for name in rng.sample(LABELS, k=rng.randint(0, 3))
    ]
    step("task labels", lambda: TaskLabel.objects.bulk_create(labels, batch_size=batch))
    print(
        f"Seeded {len(messages)} messages, {len(reactions)} reactions, {len(notifications)} notifications, "
        f"{len(project_rows)} projects, {len(tasks)} tasks."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=5_000)
    args = parser.parse_args()
    started = time.monotonic()
    with transaction.atomic():
        seed(args.scale, random.Random(args.seed), args.batch_size)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"Done in {time.monotonic() - started:.0f}s.")


if __name__ == "__main__":
    main()
