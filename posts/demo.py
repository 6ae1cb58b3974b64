"""Demo posts, a threaded discussion and some votes for `manage.py seed_demo` (idempotent)."""

from posts.models import Post
from posts.services import comment_create, post_create, vote_cast

WELCOME_TITLE = "Welcome to CodeNest: share what you are building"


def seed(*, users: dict, stdout) -> None:
    if Post.objects.filter(title=WELCOME_TITLE).exists():
        return
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    welcome = post_create(
        author=users["admin"],
        title=WELCOME_TITLE,
        content="Say hello, post a snippet, ask for help. Mention someone with @alice to ping them.",
        tags=["meta"],
    )
    snippet = post_create(
        author=alice,
        title="A tiny retry decorator",
        kind="code",
        code_language="python",
        content="def retry(times):\n    def wrap(fn):\n        ...\n    return wrap",
        tags=["python"],
    )
    link = post_create(
        author=bob,
        title="Go 1.22 loop variable semantics",
        kind="link",
        url="https://go.dev/blog/loopvar-preview",
        tags=["go"],
    )
    question = comment_create(post=snippet, author=bob, content="Why not functools.wraps inside?")
    answer = comment_create(post=snippet, author=alice, content="Good catch @bob, added it.", parent=question.pk)
    comment_create(post=snippet, author=carol, content="Exponential backoff next?", parent=answer.pk)
    comment_create(post=link, author=carol, content="Finally!")
    for voter, target, value in [
        (bob, snippet, 1),
        (carol, snippet, 1),
        (alice, link, 1),
        (carol, welcome, 1),
        (alice, question, 1),
    ]:
        vote_cast(voter=voter, target=target, value=value)  # type: ignore[arg-type]  # demo posts and comments
    stdout.write("  posts: 3 demo posts with a threaded discussion")
