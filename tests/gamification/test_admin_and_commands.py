"""Admin pages of gamification and the award_badges command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gamification.models import UserBadge
from posts.models import Post
from tests.factories import ActivityDayFactory, UserBadgeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["badge", "userbadge", "activityday"])
def test_admin_changelist_and_change_pages_load(model):
    staff = UserFactory(is_staff=True, is_superuser=True)
    user_badge = UserBadgeFactory()
    day = ActivityDayFactory(contributions=3, karma=2)
    objects = {"badge": user_badge.badge, "userbadge": user_badge, "activityday": day}
    client = Client()
    client.force_login(staff)
    assert client.get(f"/admin/gamification/{model}/").status_code == 200
    assert client.get(f"/admin/gamification/{model}/{objects[model].pk}/change/").status_code == 200


def test_award_badges_catches_up_and_is_idempotent():
    author, idle = UserFactory(), UserFactory()
    Post.objects.bulk_create([Post(author=author, title=f"p{n}", content="...") for n in range(10)])
    out = StringIO()
    call_command("award_badges", stdout=out)
    assert "2 badge(s) awarded" in out.getvalue()
    assert set(UserBadge.objects.filter(user=author).values_list("badge__code", flat=True)) == {
        "first_post",
        "rising_star",
    }
    assert not UserBadge.objects.filter(user=idle).exists()
    out = StringIO()
    call_command("award_badges", "--badge", "first_post", "--user", str(author.pk), stdout=out)
    assert "0 badge(s) awarded" in out.getvalue()


def test_award_badges_rejects_unknown_codes():
    with pytest.raises(CommandError):
        call_command("award_badges", "--badge", "nope")
