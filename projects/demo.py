"""Demo projects for `make run` (called by users' seed_demo). Idempotent: keyed on the slugs."""

from projects import services
from projects.models import Project, ProjectRole, TaskStatus

DEMO_SLUG = "codenest-cli"
PRIVATE_SLUG = "bobs-side-project"


def seed(*, users: dict, stdout) -> None:
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    if not Project.objects.filter(slug=DEMO_SLUG).exists():
        project = services.project_create(
            owner=alice,
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
    if not Project.objects.filter(slug=PRIVATE_SLUG).exists():
        services.project_create(owner=bob, name="Bob's side project", visibility="private", required_skills=["go"])
    stdout.write(f"Projects: {DEMO_SLUG} (public, looking for members), {PRIVATE_SLUG} (private to bob).")
