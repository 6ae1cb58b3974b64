"""The projects app's slash commands in room chat, added to rooms' registry (rooms.commands).

Imported by ProjectsConfig.ready(): rooms may not import projects, so projects registers itself.
"""

from django.core.exceptions import ValidationError

from projects import services
from rooms.commands import CommandContext, register, usage_error
from rooms.models import Message


@register("task", usage="/task <title>", summary="Create a task in the project linked to this room.")
def task_command(ctx: CommandContext) -> Message | None:
    title = " ".join(ctx.args.split())
    if not title:
        raise usage_error(ctx)
    if len(title) > services.TASK_TITLE_MAX:  # type: ignore[operator]  # the title column has a max_length
        raise ValidationError({"content": [f"A task title has at most {services.TASK_TITLE_MAX} characters."]})
    project = services.project_for_room(room=ctx.room, actor=ctx.user)
    task = services.task_create(project=project, actor=ctx.user, title=title)
    return ctx.post_system(
        f"{ctx.user.handle} created task #{task.number}: {title}",
        task={"project": project.pk, "number": task.number},
    )
