"""Benchmark of the other list endpoints (comments of a post, rooms, message history, notifications,
projects, tasks of a project) against hand-written Django views running the same SQL and rendering the
same JSON, in one run.

    DATABASE_URL=... .venv/bin/python manage.py seed_bench --scale 1
    DATABASE_URL=... .venv/bin/python bench/seed_lists.py --scale 1
    DATABASE_URL=... .venv/bin/python bench/lists.py [--requests 200]

The same SQL, literally: before timing, each scenario's API request runs once with its statements
captured (every statement after the authentication's user lookup, with their parameters bound); the
hand-written view authenticates the same way and then replays those statements with a bare cursor and
builds the JSON from the row tuples by hand. How both sides are driven and compared: bench/harness.py.
"""

import argparse

from harness import PAGE_SIZE, auth_headers, bench_viewer, configure, iso, run  # sets Django up: first

# isort: split
import json

from django.db import connection
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from rest_framework_simplejwt.authentication import JWTAuthentication

from posts.models import Post
from projects.models import Project
from rooms.models import Membership
from users.serializers import ERASED_USER

THREAD_PAGE_SIZE = 50
# name -> (statements, builder); filled in by main() before the run
SCENARIOS: dict[str, tuple[list[str], object]] = {}


class Columns:
    """Positions of a statement's columns by name. A joined user's columns come after its `password`
    when the API reads model instances (select_related); when it reads .values() rows, they are named
    `<user>_id`, `<user>__handle`... after the row's foreign key `user` (e.g. "author")."""

    def __init__(self, description, user: str = "author"):
        self.names = [column.name for column in description]
        self.user_key = user

    def __getitem__(self, name: str) -> int:
        return self.names.index(name)

    def user(self, name: str) -> int:
        if "password" in self.names:
            return self.names.index(name, self.names.index("password") - 1)
        return self.names.index(f"{self.user_key}_id" if name == "id" else f"{self.user_key}__{name}")


def user_summary(row, c: Columns) -> dict | None:
    if row[c.user("id")] is None:
        return None
    if row[c.user("erased_at")] is not None:
        return dict(ERASED_USER)
    return {
        "id": row[c.user("id")],
        "handle": row[c.user("handle")],
        "name": row[c.user("name")],
        "avatar": row[c.user("avatar")],
    }


def statement(results, table: str):
    """The (columns, rows) of the last captured statement reading `table`."""
    for sql, columns, rows in reversed(results):
        if f'FROM "{table}"' in sql and "COUNT(*)" not in sql:
            return columns, rows
    raise LookupError(table)


def count_of(results) -> int:
    return next(rows[0][0] for sql, _c, rows in results if "COUNT(*)" in sql)


def page(results, rows, size: int) -> dict:
    """The page's envelope: a counted first page (rooms, notifications, projects, tasks) or a cursor page."""
    if any("COUNT(*)" in sql for sql, _c, _r in results):
        count = count_of(results)
        return {"count": count, "next": "more" if count > size else None, "previous": None}
    return {"next": "more" if len(rows) > size else None, "previous": None}


def no_files(results, *tables: str) -> None:
    for table in tables:
        assert not statement(results, table)[1], "the benchmark data has no files or previews"


def comments(results, user) -> dict:
    c, rows = statement(results, "posts_comment")
    c = Columns(c)
    out = []
    for row in rows[:THREAD_PAGE_SIZE]:
        deleted = row[c["is_deleted"]]
        out.append(
            {
                "id": row[c["id"]],
                "post": row[c["post_id"]],
                "author": None if deleted else user_summary(row, c),
                "parent": row[c["parent_id"]],
                "depth": row[c["depth"]],
                "content": "" if deleted else row[c["content"]],
                "score": row[c["score"]],
                "my_vote": row[c["my_vote"]],
                "created_at": iso(row[c["created_at"]]),
                "edited_at": iso(row[c["edited_at"]]),
                "is_deleted": deleted,
            }
        )
    return page(results, rows, THREAD_PAGE_SIZE) | {"results": out}


def rooms(results, user) -> dict:
    c, rows = statement(results, "rooms_room")
    c = Columns(c)
    tags = {}
    tag_c, tag_rows = statement(results, "rooms_roomtag")
    tag_c = Columns(tag_c)
    for tag in tag_rows:
        tags.setdefault(tag[tag_c["room_id"]], []).append(tag[tag_c["name"]])
    out = [
        {
            "id": row[c["id"]],
            "name": row[c["name"]],
            "slug": row[c["slug"]],
            "description": row[c["description"]],
            "is_public": row[c["is_public"]],
            "is_archived": row[c["is_archived"]],
            "tags": tags.get(row[c["id"]], []),
            "creator": user_summary(row, c),
            "member_count": row[c["member_count"]],
            "is_member": row[c["is_member"]],
            "my_role": row[c["my_role"]],
            "unread_count": row[c["unread_count"]],
            "last_message_at": iso(row[c["last_message_at"]]),
            "created_at": iso(row[c["created_at"]]),
        }
        for row in rows[:PAGE_SIZE]
    ]
    return page(results, rows, PAGE_SIZE) | {"results": out}


def messages(results, user) -> dict:
    c, rows = statement(results, "rooms_message")
    c = Columns(c)
    no_files(results, "uploads_upload", "uploads_linkpreview")
    reactors = {}
    for message_id, emoji, user_id in statement(results, "rooms_reaction")[1]:
        reactors.setdefault(message_id, {}).setdefault(emoji, []).append(user_id)
    out = []
    for row in rows[:PAGE_SIZE]:
        deleted = row[c["is_deleted"]]
        assert not row[c["attachment"]], "the benchmark data has no files"
        data = row[c["data"]]
        out.append(
            {
                "id": row[c["id"]],
                "room": row[c["room_id"]],
                "author": user_summary(row, c),
                "kind": row[c["kind"]],
                "content": "" if deleted else row[c["content"]],
                "code_language": row[c["code_language"]],
                "attachment": None,
                "parent": row[c["parent_id"]],
                "reactions": [
                    {"emoji": emoji, "count": len(ids), "me": user.id in ids}
                    for emoji, ids in reactors.get(row[c["id"]], {}).items()
                ],
                "data": json.loads(data) if data is not None else None,
                "client_id": row[c["client_id"]],
                "created_at": iso(row[c["created_at"]]),
                "edited_at": iso(row[c["edited_at"]]),
                "is_deleted": deleted,
                "attachments": [],
                "previews": [],
            }
        )
    return page(results, rows, PAGE_SIZE) | {"results": out}


def notifications(results, user) -> dict:
    c, rows = statement(results, "notifications_notification")
    c = Columns(c, user="actor")
    out = [
        {
            "id": row[c["id"]],
            "verb": row[c["verb"]],
            "actor": user_summary(row, c),
            "message": row[c["message"]],
            "link": row[c["link"]],
            "target_type": row[c["target_type"]],
            "target_id": row[c["target_id"]],
            "data": json.loads(row[c["data"]]),
            "is_read": row[c["is_read"]],
            "created_at": iso(row[c["created_at"]]),
        }
        for row in rows[:PAGE_SIZE]
    ]
    return page(results, rows, PAGE_SIZE) | {"results": out}


def projects(results, user) -> dict:
    c, rows = statement(results, "projects_project")
    c = Columns(c, user="owner")
    skills = {}
    for project_id, _skill_id, name in statement(results, "users_skill")[1]:
        skills.setdefault(project_id, []).append(name)
    out = [
        {
            "id": row[c["id"]],
            "name": row[c["name"]],
            "slug": row[c["slug"]],
            "description": row[c["description"]],
            "owner": user_summary(row, c),
            "room": row[c["room_id"]],
            "repo_url": row[c["repo_url"]],
            "visibility": row[c["visibility"]],
            "status": row[c["status"]],
            "required_skills": sorted(skills.get(row[c["id"]], [])),
            "looking_for_members": row[c["looking_for_members"]],
            "member_count": row[c["member_count"]],
            "my_role": row[c["my_role"]],
            "github": {
                "full_name": row[c["github_full_name"]],
                "stars": row[c["github_stars"]],
                "forks": row[c["github_forks"]],
                "open_issues": row[c["github_open_issues"]],
                "language": row[c["github_language"]],
                "default_branch": row[c["github_default_branch"]],
                "last_synced_at": iso(row[c["last_synced_at"]]),
                "sync_status": row[c["sync_status"]],
                "sync_error": row[c["sync_error"]],
            },
            "has_github_token": bool(row[c["github_token_encrypted"]]),
            "created_at": iso(row[c["created_at"]]),
        }
        for row in rows[:PAGE_SIZE]
    ]
    return page(results, rows, PAGE_SIZE) | {"results": out}


def tasks(results, user) -> dict:
    c, rows = statement(results, "projects_task")
    c = Columns(c, user="assignee")
    labels = {}
    label_c, label_rows = statement(results, "projects_tasklabel")
    label_c = Columns(label_c)
    for label in label_rows:
        labels.setdefault(label[label_c["task_id"]], []).append(label[label_c["name"]])
    out = [
        {
            "id": row[c["id"]],
            "number": row[c["number"]],
            "project": row[c["project_id"]],
            "title": row[c["title"]],
            "description": row[c["description"]],
            "status": row[c["status"]],
            "priority": row[c["priority"]],
            "labels": labels.get(row[c["id"]], []),
            "assignee": user_summary(row, c),
            "due_date": row[c["due_date"]].isoformat() if row[c["due_date"]] else None,
            "position": row[c["position"]],
            "source_message": row[c["source_message_id"]],
            "created_at": iso(row[c["created_at"]]),
            "updated_at": iso(row[c["updated_at"]]),
        }
        for row in rows[:PAGE_SIZE]
    ]
    return page(results, rows, PAGE_SIZE) | {"results": out}


def raw_list(request, name: str):
    user, _token = JWTAuthentication().authenticate(request)
    if name not in SCENARIOS:
        raise Http404
    statements, build = SCENARIOS[name]
    results = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            results.append((sql, cursor.description, cursor.fetchall() if cursor.description else []))
    # Compact and UTF-8, as the API writes its JSON.
    return JsonResponse(build(results, user), json_dumps_params={"separators": (",", ":"), "ensure_ascii": False})


urlpatterns = [path("bench/raw/<str:name>/", raw_list), path("", include("codenest.urls"))]

# --- the run -------------------------------------------------------------------------------------


def captured_statements(url: str, params: dict, headers: dict) -> list[str]:
    """The SQL the API runs for this request, parameters bound, minus the authentication's user lookup."""
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url, params, **headers)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    statements = [query["sql"] for query in queries.captured_queries]
    assert 'FROM "users_user"' in statements[0], statements[0]
    return statements[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per side and scenario")
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    configure(__name__)
    user = bench_viewer()
    headers = auth_headers(user)
    post = Post.objects.filter(room__isnull=True).order_by("-comment_count", "id").first()
    room = (
        Membership.objects.filter(user=user, room__slug__startswith="bench-")
        .annotate(n=Count("room__messages"))
        .order_by("-n")
        .first()
        .room
    )
    project = Project.objects.filter(slug__startswith="bench-", members__user=user).order_by("id").first()
    if project is None:
        raise SystemExit("No list data: run bench/seed_lists.py first.")
    endpoints = [
        ("comments", f"comments of post {post.pk} ({post.comment_count})", f"/api/v1/posts/{post.pk}/comments/", {}),
        ("rooms", "rooms", "/api/v1/rooms/", {}),
        ("messages", f"messages of room {room.pk}", f"/api/v1/rooms/{room.pk}/messages/", {}),
        ("notifications", "notifications", "/api/v1/notifications/", {}),
        ("projects", "projects", "/api/v1/projects/", {}),
        ("tasks", f"tasks of project {project.pk}", f"/api/v1/projects/{project.pk}/tasks/", {}),
    ]
    builders = {
        "comments": comments,
        "rooms": rooms,
        "messages": messages,
        "notifications": notifications,
        "projects": projects,
        "tasks": tasks,
    }
    print(f"viewer @{user.handle}; {args.requests} requests per side and scenario\n")
    scenarios = []
    for name, label, url, params in endpoints:
        SCENARIOS[name] = (captured_statements(url, params, headers), builders[name])
        scenarios.append((label, url, params, f"/bench/raw/{name}/", {}))
    run(scenarios, headers=headers, requests=args.requests, warmup=args.warmup)


if __name__ == "__main__":
    main()
