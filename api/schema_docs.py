"""Readable API docs: a summary for every operation, tags in reading order, aliases marked.

A drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]). Without it
ReDoc lists operations by their raw ids (`rooms_join_create`) and tags in alphabetical order.

- Summaries are derived from the method and the path, e.g. `POST rooms/{id}/join/` → "Join room",
  `GET rooms/{id}/members/` → "List room members". An operation that sets its own
  (`@extend_schema(summary=...)`) keeps it; SUMMARIES overrides where the rule reads badly.
- Tags follow TAG_ORDER (sub-resources join their parent's tag via TAG_ALIASES); tags not listed
  (a new app) come after, alphabetically, so nothing disappears.
- ALIASES: endpoints kept for older clients say which operation they duplicate (`x-alias-of`).
- The WebSocket protocol (docs/websockets.md) is appended to the description, so the docs pages
  served at /api/docs/ and /api/redoc/ show it too.
"""

import re
from pathlib import Path

from django.conf import settings

WEBSOCKET_DOCS = Path(settings.BASE_DIR) / "docs" / "websockets.md"

VERBS = {"get": "Get", "put": "Replace", "patch": "Update", "delete": "Delete", "post": "Create"}
UNDONE_ACTIONS = {"follow", "block", "link"}  # DELETE users/{id}/follow/ → "Unfollow user"

TAG_ORDER = [
    ("auth", "Registration, log-in (JWT access + refresh tokens), log-out, passwords."),
    ("users", "Profiles, skills, follows; `users/me/` is the signed-in user."),
    ("people", "The directory of public profiles."),
    ("rooms", "Topic rooms and their chat history. Live chat: the WebSocket `/ws/rooms/{id}/` (docs/websockets.md)."),
    ("conversations", "Direct messages and group conversations."),
    ("posts", "The post feed, comments and votes."),
    ("projects", "Projects, members, task boards and GitHub sync."),
    ("events", "Events with time-slot polls."),
    ("hackathons", "Hackathons, teams and judging."),
    ("uploads", "Files, images and link previews."),
    ("notifications", "In-app notifications and e-mail digests. Live: the WebSocket `/ws/notifications/`."),
    ("gamification", "Badges, karma, streaks and leaderboards."),
]
TAG_ALIASES = {"comments": "posts", "feed": "posts", "skills": "users"}

# operationId → summary, where the rule below reads badly.
SUMMARIES = {
    "auth_register_create": "Register",
    "auth_login_create": "Log in",
    "auth_logout_create": "Log out",
    "auth_refresh_create": "Refresh tokens",
    "auth_password_change_create": "Change password",
    "auth_password_reset_create": "Request a password reset e-mail",
    "auth_password_reset_confirm_create": "Set a new password from a reset link",
    "auth_email_verify_create": "Verify e-mail address",
    "auth_email_resend_create": "Resend the verification e-mail",
    "auth_github_retrieve": "Start GitHub log-in (authorize URL)",
    "auth_github_create": "Log in with GitHub",
    "auth_github_link_destroy": "Unlink GitHub account",
    "auth_token_create": "Log in (alias)",
    "auth_token_refresh_create": "Refresh tokens (alias)",
    "auth_token_verify_create": "Verify a token",
    "users_me_destroy": "Delete my account",
    "users_me_export_retrieve": "Export my data",
    "people_retrieve": "Search the people directory",
    "people_list": "Search the people directory",
    "events_ical_retrieve": "Get event as iCalendar",
    "events_slots_vote_update": "Vote on slot",
    "events_slots_vote_destroy": "Withdraw slot vote",
    "hackathons_judges_create": "Add hackathon judge",
    "hackathons_judges_destroy": "Remove hackathon judge",
    "hackathons_teams_join_create": "Ask to join team",
    "hackathons_teams_requests_list": "List team join requests",
    "hackathons_teams_requests_accept_create": "Accept team join request",
    "hackathons_teams_requests_decline_create": "Decline team join request",
    "hackathons_teams_submission_update": "Submit team entry",
    "hackathons_submissions_scores_update": "Score submission",
    "hackathons_leaderboard_list": "Get hackathon leaderboard",
    "projects_join_requests_create": "Ask to join project",
    "users_me_retrieve": "Get my profile",
    "users_me_partial_update": "Update my profile",
    "users_me_skills_update": "Replace my skills",
    "users_me_blocks_list": "List users I block",
    "users_me_matches_list": "List projects matching my skills",
    "users_update_partial_update": "Update my profile (alias)",
    "users_following_list": "List whom a user follows",
    "posts_upvote_create": "Upvote post (alias)",
    "posts_vote_create": "Vote on post",
    "comments_vote_create": "Vote on comment",
    "users_list": "List users (staff)",
    "rooms_read_create": "Mark room read up to a message",
    "rooms_members_partial_update": "Change a room member's role",
    "rooms_members_destroy": "Remove room member",
    "rooms_messages_reactions_create": "Add reaction to message",
    "rooms_messages_reactions_destroy": "Remove reaction from message",
    "rooms_messages_report_create": "Report message",
    "rooms_messages_task_create": "Turn a message into a task",
    "projects_members_create": "Add project member",
    "projects_members_partial_update": "Change a project member's role",
    "projects_members_destroy": "Remove project member",
    "rooms_bans_create": "Ban from room",
    "rooms_bans_destroy": "Lift room ban",
    "projects_github_webhook_create": "GitHub push webhook",
    "projects_sync_create": "Sync project from GitHub",
    "notifications_read_create": "Mark notification read",
    "notifications_read_all_create": "Mark all notifications read",
    "notifications_unread_count_retrieve": "Count unread notifications",
    "notifications_preferences_retrieve": "Get notification preferences",
    "notifications_preferences_partial_update": "Update notification preferences",
    "notifications_unsubscribe_retrieve": "Unsubscribe from digests (link)",
    "notifications_unsubscribe_create": "Unsubscribe from digests",
    "achievements_list": "List my badges",
    "achievements_pending_list": "List badges not shown yet",
    "achievements_mark_shown_create": "Mark badge shown",
    "leaderboard_list": "Get leaderboard",
    "feed_list": "Get my feed",
}

# operationId of an alias → operationId of the endpoint it duplicates, with what differs.
ALIASES = {
    "posts_upvote_create": ("posts_vote_create", 'Same as `POST posts/{id}/vote/` with `{"value": 1}`.'),
    "users_update_partial_update": ("users_me_partial_update", "Same as `PATCH users/me/`, kept for older clients."),
    "auth_token_create": ("auth_login_create", "Same as `POST auth/login/`."),
    "auth_token_refresh_create": ("auth_refresh_create", "Same as `POST auth/refresh/`."),
}

PARAM = re.compile(r"^\{.*\}$")


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _words(token: str) -> str:
    return token.replace("-", " ").replace("_", " ")


def _is_collection(token: str) -> bool:
    """A plural noun (members, invites, reactions) rather than an action (join, follow, sync)."""
    return token.endswith("s") and not token.endswith("ss")


def summary_for(method: str, path: str, operation_id: str) -> str:
    """A short, human summary from the method and the path (below the version prefix)."""
    if operation_id in SUMMARIES:
        return SUMMARIES[operation_id]
    tokens = [t for t in re.sub(r"^/api/v[0-9]+/", "", path).strip("/").split("/") if t]
    literals = [t for t in tokens if not PARAM.match(t)]
    is_list = operation_id.endswith("_list")
    last = tokens[-1]
    if PARAM.match(last):  # one object: rooms/{id}/, rooms/{id}/members/{user_id}/
        owner = [_singular(_words(t)) for t in literals[-2:-1] if tokens.index(t) < len(tokens) - 2]
        noun = " ".join([*owner, _singular(_words(literals[-1]))])
        return f"{VERBS[method]} {noun}"
    after_object = len(tokens) > 1 and PARAM.match(tokens[-2])
    parent = _singular(_words(literals[-2])) if len(literals) > 1 else ""
    parent = "my" if parent == "me" else parent  # users/me/avatar/ → "my avatar"
    name = _words(last)
    if not after_object and len(literals) == 1:  # a top-level collection: rooms/, posts/
        if method == "get":
            return f"List {name}" if is_list else f"Get {name}"
        return f"{VERBS[method]} {_singular(name)}"
    if method == "get":
        return f"{'List' if is_list else 'Get'} {parent} {name}".replace("  ", " ")
    if _is_collection(last) or method in {"put", "patch"}:  # members, invites of an object; PUT slots/{id}/vote/
        noun = name if method == "put" else _singular(name)
        return f"{VERBS[method]} {parent} {noun}".replace("  ", " ")
    if method == "delete":
        return f"Un{name} {parent}".strip() if last in UNDONE_ACTIONS else f"Remove {parent} {name}".strip()
    # An action on an object (join, follow, sync) or on a collection (read-all, mark-shown).
    return f"{name[0].upper()}{name[1:]} {parent}".strip()


def _tag_order(used: set[str]) -> list[dict]:
    known = [{"name": name, "description": text} for name, text in TAG_ORDER if name in used]
    listed = {name for name, _ in TAG_ORDER}
    return known + [{"name": name} for name in sorted(used - listed)]


def summaries_tags_and_aliases(result, generator, request, public):
    operations = [
        (method, path, operation)
        for path, item in result.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    ]
    ids = {operation["operationId"] for _, _, operation in operations}
    used = set()
    for method, path, operation in operations:
        operation_id = operation["operationId"]
        operation.setdefault("summary", summary_for(method, path, operation_id))
        tags = [TAG_ALIASES.get(tag, tag) for tag in operation.get("tags", [])]
        operation["tags"] = list(dict.fromkeys(tags))
        used.update(operation["tags"])
        if operation_id in ALIASES:
            original, note = ALIASES[operation_id]
            if original in ids:
                operation["x-alias-of"] = original
                operation["description"] = f"**Alias.** {note}\n\n{operation.get('description', '')}".strip()
    result["tags"] = _tag_order(used)
    if WEBSOCKET_DOCS.exists():  # Swagger UI and ReDoc render it under the API description
        info = result.setdefault("info", {})
        info["description"] = f"{info.get('description', '')}\n\n{WEBSOCKET_DOCS.read_text()}".strip()
    return result
