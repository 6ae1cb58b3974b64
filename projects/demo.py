"""Demo projects for `make run` (called by users' seed_demo). Idempotent: keyed on the slugs."""

from projects import services
from projects.models import Project, ProjectRole, TaskStatus
from rooms.commands import chat_send
from rooms.services import room_create, room_join

DEMO_SLUG = "codenest-cli"
PRIVATE_SLUG = "bobs-side-project"


def seed(*, users: dict, stdout) -> None:
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    if not Project.objects.filter(slug=DEMO_SLUG).exists():
        chat = room_create(
            creator=alice,
            name="CodeNest CLI",
            description="The CLI project's chat: `/task <title>` adds to its board, `/me` and `/event` work too.",
            tags=["cli", "projects"],
        )
        for user in (bob, carol):
            room_join(room=chat, user=user)
        project = services.project_create(
            owner=alice,
            room_id=chat.pk,
            name="CodeNest CLI",
            description="A command line client for CodeNest: rooms, posts and boards from the terminal.",
            repo_url="https://github.com/codenest-demo/cli",
            required_skills=["python", "react", "go"],
            looking_for_members=True,
        )
        services.member_add(project=project, actor=alice, user_id=bob.pk, role=ProjectRole.DEVELOPER)
        services.member_add(project=project, actor=alice, user_id=carol.pk, role=ProjectRole.VIEWER)
        for title, status, assignee, labels in [
            ("Sketch the command tree", TaskStatus.DONE, alice, ["design"]),
            ("Log in with a device code", TaskStatus.IN_PROGRESS, bob, ["auth", "backend"]),
            ("Render the task board in the terminal", TaskStatus.TODO, None, ["ui"]),
            ("Package for Homebrew", TaskStatus.TODO, None, ["release"]),
        ]:
            services.task_create(
                project=project, actor=alice, title=title, status=status, assignee_id=assignee and assignee.pk,
                labels=labels,
            )  # fmt: skip
        # The chat acts on the board: a task from a slash command, then one made from a message.
        chat_send(room=chat, author=bob, content="/task Write the README")
        question, _ = chat_send(room=chat, author=carol, content="Could `cn board` show due dates?")
        services.task_from_message(actor=alice, room_id=chat.pk, message_id=question.pk)  # type: ignore[union-attr]  # a new message was posted
    if not Project.objects.filter(slug=PRIVATE_SLUG).exists():
        services.project_create(owner=bob, name="Bob's side project", visibility="private", required_skills=["go"])
    stdout.write(
        f"Projects: {DEMO_SLUG} (public, looking for members, chat in room 'CodeNest CLI'), "
        f"{PRIVATE_SLUG} (private to bob)."
    )
