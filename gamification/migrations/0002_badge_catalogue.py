"""The badge catalogue. Each code has a rule in gamification/rules.py; a new badge is a new data migration."""

from django.db import migrations

# Frozen here on purpose: a migration must not change when the application code does.
CATALOGUE = [
    ("first_post", "First Post", "Published your first post.", "✍️"),
    ("rising_star", "Rising Star", "Published 10 posts.", "🌟"),
    ("karma_king", "Karma King", "Earned 100 karma from votes on your posts and comments.", "👑"),
    ("week_warrior", "Week Warrior", "Active 7 UTC days in a row.", "🔥"),
    ("community_builder", "Community Builder", "Joined 5 rooms.", "🏘️"),
    ("social_butterfly", "Social Butterfly", "Followed by 50 people.", "🦋"),
    ("first_project", "First Project", "Created your first project.", "🚀"),
    ("team_player", "Team Player", "Member of 3 projects.", "🤝"),
    ("task_crusher", "Task Crusher", "10 tasks assigned to you are done.", "✅"),
    ("open_source_hero", "Open Source Hero", "A commit of yours closed a task.", "🦸"),
]


def add_catalogue(apps, schema_editor):
    Badge = apps.get_model("gamification", "Badge")
    for position, (code, name, description, icon) in enumerate(CATALOGUE, start=1):
        Badge.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "icon": icon, "position": position}
        )


def remove_catalogue(apps, schema_editor):
    Badge = apps.get_model("gamification", "Badge")
    Badge.objects.filter(code__in=[code for code, *_ in CATALOGUE]).delete()


class Migration(migrations.Migration):
    dependencies = [("gamification", "0001_initial")]

    operations = [migrations.RunPython(add_catalogue, remove_catalogue)]
