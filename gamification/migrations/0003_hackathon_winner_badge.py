"""Adds `hackathon_winner` to the badge catalogue (rule: gamification/rules.py)."""

from django.db import migrations

# Frozen here on purpose: a migration must not change when the application code does.
BADGE = ("hackathon_winner", "Hackathon Winner", "Was on a team ranked first in a hackathon.", "🏆")
POSITION = 11


def add_badge(apps, schema_editor):
    Badge = apps.get_model("gamification", "Badge")
    code, name, description, icon = BADGE
    Badge.objects.update_or_create(
        code=code, defaults={"name": name, "description": description, "icon": icon, "position": POSITION}
    )


def remove_badge(apps, schema_editor):
    apps.get_model("gamification", "Badge").objects.filter(code=BADGE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [("gamification", "0002_badge_catalogue")]

    operations = [migrations.RunPython(add_badge, remove_badge)]
