"""Demo data for a first look: idempotent, prints the demo logins.

Users come from here; every other app adds its own demo data in an optional `<app>/demo.py` with
`seed(*, users: dict[str, User], stdout) -> None`, found the way Django finds admin modules, so
this command imports no other app.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from users.models import User
from users.services import user_set_skills

DEMO_PASSWORD = "codenest-demo-2026"
DEMO_USERS = [
    # handle, name, staff, looking to collaborate, skills
    ("admin", "Ada Admin", True, False, [("python", "expert"), ("django", "expert")]),
    ("alice", "Alice Liddell", False, True, [("python", "advanced"), ("react", "intermediate")]),
    ("bob", "Bob Builder", False, True, [("go", "advanced"), ("postgresql", "intermediate")]),
    ("carol", "Carol Coder", False, False, [("typescript", "expert"), ("react", "advanced")]),
]


class Command(BaseCommand):
    help = "Create demo users, rooms, posts and projects (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        users = {}
        for handle, name, staff, looking, skills in DEMO_USERS:
            user = User.objects.filter(handle=handle).first()
            if user is None:
                create = User.objects.create_superuser if staff else User.objects.create_user
                user = create(
                    email=f"{handle}@codenest.dev",
                    password=DEMO_PASSWORD,
                    handle=handle,
                    name=name,
                    email_verified=True,
                )
                user.looking_to_collaborate = looking
                # One hireable developer with a portfolio, so people/?hire_me=true shows someone.
                user.hire_me = handle == "carol"
                user.portfolio_url = "https://carol.codenest.dev" if user.hire_me else ""
                user.save(update_fields=["looking_to_collaborate", "hire_me", "portfolio_url"])
                user_set_skills(user=user, skills=[{"skill": s, "proficiency": p} for s, p in skills])
            users[handle] = user
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name != "users" and find_spec(module_name) is not None:
                import_module(module_name).seed(users=users, stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with any of:"))
        for handle, *_rest in DEMO_USERS:
            role = " (staff, admin site)" if handle == "admin" else ""
            self.stdout.write(f"  {handle}@codenest.dev / {DEMO_PASSWORD}{role}")
