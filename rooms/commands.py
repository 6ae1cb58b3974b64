"""Slash commands in room chat: a text message `/name arguments` runs a command instead of being posted.

The registry lives here and only here. A command is one function, registered under its name:

    @register("me", usage="/me <action>", summary="Say what you are doing, in the third person.")
    def me(ctx: CommandContext) -> Message | None: ...

rooms registers its own commands at the bottom of this module. A command that needs an app rooms
may not import (projects, events: they import rooms) is registered by that app from its
AppConfig.ready(), e.g. projects/commands.py; so the imports keep pointing one way and rooms works
alone. A command validates its arguments and calls services; it runs inside one transaction, so it
writes everything or nothing. It raises ValidationError (error frame "invalid", REST 400),
PermissionDenied ("forbidden", 403) or NotFound ("not_found", 404).

Only text messages that look like a command (`/word` then a space or the end) are commands:
"/usr/bin is..." and code messages are plain messages, and "//..." posts "/..." literally.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction

from rooms import services
from rooms.conversations import rules as conversation_rules
from rooms.models import Message, MessageKind, Room
from rooms.permissions import require_member
from rooms.selectors import membership_of
from users.models import User
from users.services import require_verified_email

COMMAND_RE = re.compile(r"\A/([A-Za-z][A-Za-z0-9_-]{0,31})(?:\s+(.*?))?\s*\Z", re.DOTALL)


@dataclass(frozen=True)
class CommandContext:
    room: Room
    user: User
    args: str  # what follows the command name, stripped ("" when nothing does)
    client_id: str | None
    name: str

    def facts(self, **facts) -> dict:
        """`data` of the message a command posts: which command, whose, and its own facts."""
        return {"command": self.name, "by": self.user.pk, **facts}

    def post_system(self, content: str, **facts) -> Message | None:
        """A system message in the room about what this command did."""
        return services.system_message_post(
            room=self.room, content=content, data=self.facts(**facts), client_id=self.client_id
        )


CommandHandler = Callable[[CommandContext], Message | None]


@dataclass(frozen=True)
class Command:
    name: str
    handler: CommandHandler
    usage: str
    summary: str


_registry: dict[str, Command] = {}


def register(name: str, *, usage: str, summary: str = "") -> Callable[[CommandHandler], CommandHandler]:
    """Register `handler` as `/name`. A second, different handler for the same name is a setup error."""
    name = name.lower()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", name):
        raise ImproperlyConfigured(f"Bad command name {name!r}.")

    def decorator(handler: CommandHandler) -> CommandHandler:
        existing = _registry.get(name)
        if existing is not None and _origin(existing.handler) != _origin(handler):
            raise ImproperlyConfigured(f"/{name} is already registered by {_origin(existing.handler)}.")
        _registry[name] = Command(name=name, handler=handler, usage=usage, summary=summary)
        return handler

    return decorator


def _origin(handler: CommandHandler) -> str:
    # Module and name, not identity: a module imported again (tests, autoreload) may re-register.
    return f"{handler.__module__}.{handler.__qualname__}"


def registered_commands() -> list[Command]:
    return sorted(_registry.values(), key=lambda command: command.name)


def parse_command(content: str) -> tuple[str, str] | None:
    """(name, arguments) when the text is a command, else None."""
    match = COMMAND_RE.match(content or "")
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def usage_error(ctx: CommandContext) -> ValidationError:
    return ValidationError({"content": [f"Usage: {_registry[ctx.name].usage}"]})


def _unknown(name: str) -> ValidationError:
    known = ", ".join(command.usage for command in registered_commands())
    return ValidationError({"content": [f"Unknown command /{name}. Commands: {known}."]})


def _earlier_result(*, room: Room, user, client_id: str | None) -> Message | None:
    """The message a retried command (same client_id, same user) produced the first time."""
    if not client_id:
        return None
    earlier = Message.objects.filter(room=room, client_id=client_id).select_related("author")
    return next((m for m in earlier if m.author_id == user.pk or (m.data or {}).get("by") == user.pk), None)


@transaction.atomic
def command_run(*, room: Room, user, name: str, args: str, client_id: str | None = None) -> tuple[Message | None, bool]:
    """Run `/name args` as `user` in `room`. Returns (message it posted or None, ran now).

    A retry with the same client_id returns the first run's message and runs nothing again.
    """
    command = _registry.get(name)
    if command is None:
        raise _unknown(name)
    require_verified_email(user)  # a command is a content write, like the message it stands for
    membership = require_member(membership_of(room=room, user=user))
    if room.is_archived:
        raise PermissionDenied("This room is archived.")
    if room.is_conversation:
        # The messaging rules hold (blocks, dm_policy; answering a request accepts it), and a request
        # not yet accepted takes plain messages only: a command's system message would slip past its limit.
        conversation_rules.check_send(room=room, author=user, membership=membership)
        if conversation_rules.is_pending(room):
            raise PermissionDenied("Slash commands work once the conversation has been accepted.")
    earlier = _earlier_result(room=room, user=user, client_id=client_id)
    if earlier is not None:
        return earlier, False
    ctx = CommandContext(room=room, user=user, args=args, client_id=client_id or None, name=name)
    return command.handler(ctx), True


def chat_send(
    *, room: Room, author, content: str, kind: str = MessageKind.TEXT, client_id: str | None = None, **fields
) -> tuple[Message | None, bool]:
    """What a chat client's send does, over the socket and over REST alike: run a slash command, or post.

    Returns (message, created) like services.message_post; message is None for a command that posts nothing.
    """
    if kind == MessageKind.TEXT and content.startswith("//"):
        content = content[1:]  # escaped: the literal text "/..."
    elif kind == MessageKind.TEXT and (parsed := parse_command(content)) is not None:
        if fields.get("attachments"):  # refused rather than silently dropped
            raise ValidationError({"attachments": ["A slash command takes no attachments."]})
        name, args = parsed
        return command_run(room=room, user=author, name=name, args=args, client_id=client_id)
    return services.message_post(room=room, author=author, content=content, kind=kind, client_id=client_id, **fields)


# --- rooms' own commands -------------------------------------------------------------------------


@register("me", usage="/me <action>", summary="Say what you are doing, in the third person.")
def me_command(ctx: CommandContext) -> Message:
    if not ctx.args:
        raise usage_error(ctx)
    message, _ = services.message_post(
        room=ctx.room,
        author=ctx.user,
        content=f"{ctx.user.handle} {ctx.args}",
        client_id=ctx.client_id,
        data=ctx.facts(action=ctx.args),
    )
    return message
