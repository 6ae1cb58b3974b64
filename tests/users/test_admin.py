"""Admin: verification state, GitHub login and blocks on the user page; resend-verification and reset actions."""

import pytest
from django.core import mail
from social_django.models import UserSocialAuth

from tests.factories import UserFactory
from users.services import block_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(
        email="boss@example.com", password="pw-12345-long", handle="boss"
    )
    client.force_login(admin)
    return client


def test_user_pages_show_verification_github_login_and_blocks(staff_client):
    user = UserFactory(handle="ada", email_verified=True)
    UserSocialAuth.objects.create(user=user, provider="github", uid="42", extra_data={"login": "ada-gh"})
    blocked = UserFactory(handle="pest")
    block_create(blocker=user, blocked=blocked)
    listing = staff_client.get("/admin/users/user/?email_verified__exact=1")
    assert listing.status_code == 200
    assert b"ada-gh" in listing.content
    page = staff_client.get(f"/admin/users/user/{user.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode().lower()
    assert "ada-gh" in content and "blocks made" in content and 'name="email_verified"' in content
    assert staff_client.get("/admin/users/block/").status_code == 200


def test_resend_verification_and_reset_actions(staff_client, django_capture_on_commit_callbacks):
    pending = UserFactory(email="pending@example.com", email_verified=False)
    done = UserFactory(email="done@example.com", email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/users/user/",
            {"action": "resend_verification", "_selected_action": [pending.pk, done.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["pending@example.com"]]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            "/admin/users/user/", {"action": "send_password_reset", "_selected_action": [done.pk]}, follow=True
        )
    assert [m.to for m in mail.outbox] == [["done@example.com"]]
    assert "/reset-password?uid=" in mail.outbox[0].body
