"""Demo rooms and a short chat for `manage.py seed_demo` (idempotent)."""

from rooms.conversations.services import conversation_start
from rooms.models import Room
from rooms.services import invite_create, message_post, reaction_add, room_create, room_join

DEMO_ROOMS = [
    ("Python", "Decorators, typing, asyncio and everything pythonic.", True, ["python"]),
    ("Web dev", "Frontend, backend, and the HTTP in between.", True, ["web-dev", "javascript"]),
    ("Core team", "Private planning room.", False, ["meta"]),
]


def seed(*, users: dict, stdout) -> None:
    if Room.objects.filter(name="Python", creator=users["alice"]).exists():
        return
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    python, web, core = (
        room_create(creator=creator, name=name, description=description, is_public=public, tags=tags)
        for creator, (name, description, public, tags) in zip((alice, bob, users["admin"]), DEMO_ROOMS, strict=True)
    )
    for user in (bob, carol):
        room_join(room=python, user=user)
    room_join(room=web, user=alice)
    room_join(room=core, user=alice, code=invite_create(room=core, inviter=users["admin"], invitee=alice).code)
    hello, _ = message_post(room=python, author=alice, content="Welcome! Ask anything about Python here.")
    message_post(room=python, author=bob, content="```python\nprint(sum(range(10)))\n```", parent=hello.pk)
    message_post(room=python, author=carol, content="@alice is there a guide to asyncio you like?")
    reaction_add(room=python, user=carol, message_id=hello.pk, emoji="👋")
    message_post(room=web, author=bob, content="Share the last CSS trick you learned.")
    # Direct messages: a request bob answered (which accepts it), and a group of three.
    direct, _ = conversation_start(starter=alice, participants=[bob], content="Hi Bob! Pair on the asyncio guide?")
    message_post(room=direct, author=bob, content="Sure, after lunch works for me.")
    conversation_start(starter=carol, participants=[alice, bob], title="Hackathon team", content="Who's in? 🚀")
    stdout.write("  rooms: Python, Web dev (public) and Core team (private) with a short chat")
    stdout.write("  conversations: alice ↔ bob, and carol's group 'Hackathon team' (a request for alice and bob)")
