"""A large data set for bench/feed.py, written with bulk inserts.

Full size (the default) is 10k users, 200k posts, 1M votes, 500k comments; --scale shrinks or grows
every count at once (--scale 0.1 is a tenth). Everything is generated in memory first, so the
denormalized counters (score, upvotes, downvotes, hot, comment_count) and the comment paths are
written already right, then inserted in batches; one UPDATE fills the full-text vectors on PostgreSQL.
Run it on an empty database: it refuses to run twice.
"""

import random
import time
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from posts.models import MAX_COMMENT_DEPTH, Comment, Post, PostKind, Tag, Vote
from posts.ranking import hot_rank
from posts.services import post_refresh_search_vector
from rooms.models import Membership, Role, Room
from users.models import User

HANDLE_PREFIX = "bench-"
WORDS = [
    "python",
    "django",
    "postgres",
    "redis",
    "query",
    "index",
    "cursor",
    "async",
    "await",
    "thread",
    "lock",
    "vote",
    "feed",
    "rank",
    "search",
    "cache",
    "deploy",
    "docker",
    "kubernetes",
    "rust",
    "golang",
    "typescript",
    "react",
    "hooks",
    "state",
    "bug",
    "fix",
    "release",
    "test",
    "benchmark",
    "latency",
    "throughput",
    "memory",
    "leak",
    "profile",
    "compile",
    "runtime",
    "parser",
    "token",
    "socket",
    "stream",
    "graph",
    "tree",
    "hash",
    "queue",
    "worker",
    "celery",
    "channel",
    "message",
    "room",
    "project",
    "task",
    "commit",
    "branch",
    "merge",
    "review",
    "design",
    "pattern",
    "service",
    "selector",
    "serializer",
    "migration",
    "schema",
    "constraint",
    "transaction",
    "isolation",
]
# A rare word (about 2% of posts) gives the search benchmark a selective query.
RARE_WORD = "zeppelin"
TAGS = ["python", "django", "postgres", "rust", "go", "react", "devops", "career", "showcase", "help"]


def _text(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(low, high)))


class Command(BaseCommand):
    help = "Bulk-create a benchmark data set (users, rooms, posts, votes, comments)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="multiply every count (default 1.0)")
        parser.add_argument("--users", type=int, default=10_000)
        parser.add_argument("--posts", type=int, default=200_000)
        parser.add_argument("--votes", type=int, default=1_000_000)
        parser.add_argument("--comments", type=int, default=500_000)
        parser.add_argument("--rooms", type=int, default=40)
        parser.add_argument("--days", type=int, default=365, help="posts spread over this many days")
        parser.add_argument("--batch-size", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, **options):
        if User.objects.filter(handle__startswith=HANDLE_PREFIX).exists():
            raise CommandError("Benchmark data is already there; use a fresh database.")
        scale = options["scale"]
        counts = {name: max(int(options[name] * scale), 2) for name in ("users", "posts", "votes", "comments")}
        counts["rooms"] = max(int(options["rooms"] * min(scale, 1.0)), 2)
        self.rng = random.Random(options["seed"])
        self.batch = options["batch_size"]
        self.days = options["days"]
        started = time.monotonic()
        with transaction.atomic():
            users = self._users(counts["users"])
            rooms = self._rooms(counts["rooms"], users)
            posts = self._posts(counts["posts"], users, rooms)
            votes = self._votes(counts["votes"], users, posts)
            comments = self._comments(counts["comments"], users, posts)
            self._insert(posts, votes, comments)
        self._step("search vectors", lambda: post_refresh_search_vector(posts=Post.objects.all()))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary} in {elapsed:.0f}s."))

    def _step(self, label: str, work):
        started = time.monotonic()
        result = work()
        self.stdout.write(f"  {label}: {time.monotonic() - started:.1f}s")
        return result

    def _users(self, count: int) -> list[int]:
        password = make_password("bench-password-1")
        users = [
            User(
                email=f"{HANDLE_PREFIX}{i}@bench.local",
                handle=f"{HANDLE_PREFIX}{i}",
                name=f"Bench {i}",
                password=password,
            )
            for i in range(count)
        ]
        self._step("users", lambda: User.objects.bulk_create(users, batch_size=self.batch))
        return list(User.objects.filter(handle__startswith=HANDLE_PREFIX).values_list("pk", flat=True))

    def _rooms(self, count: int, users: list[int]) -> list[tuple[int, bool]]:
        rooms = [
            Room(name=f"Bench room {i}", slug=f"{HANDLE_PREFIX}room-{i}", is_public=i % 4 != 0, creator_id=users[i])
            for i in range(count)
        ]
        Room.objects.bulk_create(rooms, batch_size=self.batch)
        rooms = list(Room.objects.filter(slug__startswith=HANDLE_PREFIX).values_list("pk", "is_public"))  # type: ignore[arg-type]  # the ids replace the rows
        memberships = {(room_id, users[i]): Role.OWNER for i, (room_id, _public) in enumerate(rooms)}  # type: ignore[misc,has-type]  # (id, is_public) pairs
        for user_id in users:
            for room_id, _public in self.rng.sample(rooms, k=min(2, len(rooms))):
                memberships.setdefault((room_id, user_id), Role.MEMBER)
        self._step(
            "memberships",
            lambda: Membership.objects.bulk_create(
                [Membership(room_id=r, user_id=u, role=role) for (r, u), role in memberships.items()],
                batch_size=self.batch,
            ),
        )
        self.members_of: dict[int, list[int]] = {}
        for (room_id, user_id), _role in memberships.items():
            self.members_of.setdefault(room_id, []).append(user_id)
        return rooms  # type: ignore[return-value]  # (id, is_public) pairs

    def _posts(self, count: int, users: list[int], rooms: list[tuple[int, bool]]) -> list[Post]:
        first_id = (Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        now = timezone.now()
        offsets = sorted((self.rng.random() * self.days * 86400 for _ in range(count)), reverse=True)
        posts = []
        for i, offset in enumerate(offsets):
            room_id = None
            author = self.rng.choice(users)
            if self.rng.random() < 0.2:
                room_id, _public = self.rng.choice(rooms)
                author = self.rng.choice(self.members_of[room_id])
            kind = self.rng.choice([PostKind.TEXT, PostKind.TEXT, PostKind.CODE, PostKind.LINK])
            posts.append(
                Post(
                    id=first_id + i,
                    author_id=author,
                    room_id=room_id,
                    title=_text(self.rng, 3, 10).capitalize(),
                    content=_text(self.rng, 20, 120) + (f" {RARE_WORD}" if self.rng.random() < 0.02 else ""),
                    kind=kind,
                    code_language="python" if kind == PostKind.CODE else "",
                    url="https://example.com/" + str(i) if kind == PostKind.LINK else "",
                    created_at=now - timedelta(seconds=offset),  # ids grow with time, like real posts
                )
            )
        return posts

    def _popular_index(self, size: int) -> int:
        # A long tail: a few posts draw most of the votes and comments.
        return (
            min(int(self.rng.paretovariate(1.2)) - 1, size - 1) if self.rng.random() < 0.5 else self.rng.randrange(size)
        )

    def _votes(self, count: int, users: list[int], posts: list[Post]) -> list[Vote]:
        seen, votes = set(), []  # type: ignore[var-annotated]  # seen pairs, new votes
        attempts = 0
        while len(votes) < count and attempts < count * 3:
            attempts += 1
            post = posts[-1 - self._popular_index(len(posts))] if self.rng.random() < 0.3 else self.rng.choice(posts)
            user_id = self.rng.choice(users)
            if user_id == post.author_id or (user_id, post.id) in seen:
                continue
            seen.add((user_id, post.id))
            value = 1 if self.rng.random() < 0.8 else -1
            votes.append(Vote(user_id=user_id, post_id=post.id, value=value))
            post.score += value
            post.upvotes += value == 1
            post.downvotes += value == -1
        for post in posts:
            post.hot = hot_rank(score=post.score, created_at=post.created_at)
        return votes

    def _comments(self, count: int, users: list[int], posts: list[Post]) -> list[Comment]:
        first_id = (Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        threads: dict[int, list[Comment]] = {}
        comments = []
        for i in range(count):
            post = posts[-1 - self._popular_index(len(posts))]
            thread = threads.setdefault(post.id, [])
            parent = self.rng.choice(thread) if thread and self.rng.random() < 0.5 else None
            if parent is not None and parent.depth >= MAX_COMMENT_DEPTH:
                parent = None
            comment_id = first_id + i
            comment = Comment(
                id=comment_id,
                post_id=post.id,
                author_id=self.rng.choice(users),
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                path=(parent.path if parent else "") + str(comment_id).zfill(10),
                content=_text(self.rng, 5, 40),
                created_at=post.created_at,
            )
            thread.append(comment)
            comments.append(comment)
            post.comment_count += 1
        return comments

    def _insert(self, posts: list[Post], votes: list[Vote], comments: list[Comment]) -> None:
        self._step("posts", lambda: Post.objects.bulk_create(posts, batch_size=self.batch))
        tags = Tag.objects.bulk_create([Tag(name=name) for name in TAGS], ignore_conflicts=True)
        tag_ids = list(Tag.objects.filter(name__in=TAGS).values_list("pk", flat=True))
        links = [
            Post.tags.through(post_id=post.id, tag_id=tag_id)
            for post in posts
            for tag_id in self.rng.sample(tag_ids, k=self.rng.randint(0, 3))
        ]
        self._step("post tags", lambda: Post.tags.through.objects.bulk_create(links, batch_size=self.batch))
        self._step("votes", lambda: Vote.objects.bulk_create(votes, batch_size=self.batch))
        self._step("comments", lambda: Comment.objects.bulk_create(comments, batch_size=self.batch))
        del tags
        # Explicit ids were written: move the sequences past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Post, Comment]):
                cursor.execute(sql)
