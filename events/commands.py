"""The events app's slash command in room chat, added to rooms' registry (rooms.commands).

Imported by EventsConfig.ready(): rooms may not import events, so events registers itself.
"""

from django.core.exceptions import ValidationError

from events import services
from events.models import TITLE_MAX_LENGTH
from rooms.commands import CommandContext, register, usage_error
from rooms.models import Message


@register("event", usage="/event <title>", summary="Propose an event in this room: a draft to add time slots to.")
def event_command(ctx: CommandContext) -> Message | None:
    title = " ".join(ctx.args.split())
    if not title:
        raise usage_error(ctx)
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError({"content": [f"An event title has at most {TITLE_MAX_LENGTH} characters."]})
    event = services.event_create(creator=ctx.user, title=title, room=ctx.room)
    return ctx.post_system(f"{ctx.user.handle} proposed an event: {title}", event={"id": event.pk, "slug": event.slug})
