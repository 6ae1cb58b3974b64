"""E-mail digests: content, opt-in, unsubscribe without login, exactly once per period (locmem backend)."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.conf import settings
from django.core import mail, signing

from notifications.models import DigestLog, NotificationPreference
from notifications.services import digest_period_start, digests_send, unsubscribe_token_for
from notifications.tasks import send_digests
from posts.models import Post
from tests.factories import (
    MembershipFactory,
    NotificationFactory,
    NotificationPreferenceFactory,
    RoomFactory,
    UserFactory,
)
from users.models import Follow

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday
UNSUBSCRIBE = "/api/v1/notifications/unsubscribe/"


def subscriber(period="daily", **kwargs):
    user = UserFactory(**kwargs)
    NotificationPreferenceFactory(user=user, email_digest=period)
    return user


def make_post(*, author, room=None, score=0, created_at=NOW - timedelta(hours=2), title=None):
    post = Post.objects.create(author=author, room=room, title=title or f"Post by {author.handle}", score=score)
    Post.objects.filter(pk=post.pk).update(created_at=created_at)
    return post


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


class TestContent:
    def test_unread_notifications_in_text_and_html(self):
        user = subscriber(name="Ada")
        unread = NotificationFactory(recipient=user, message="@bob started following you", created_at=NOW)
        NotificationFactory(recipient=user, message="already seen", is_read=True, created_at=NOW)
        NotificationFactory(recipient=user, message="too old", created_at=NOW - timedelta(days=2))
        NotificationFactory(message="someone else's", created_at=NOW)

        assert digests_send(period="daily", now=NOW) == {"sent": 1, "empty": 0, "already_sent": 0, "failed": 0}

        [message] = mail.outbox
        assert message.to == [user.email]
        assert message.subject == "Your daily CodeNest digest: 1 unread notification"
        assert message.from_email == settings.DEFAULT_FROM_EMAIL
        assert "Hi Ada" in message.body
        assert unread.message in message.body
        assert f"{settings.SITE_URL}{unread.link}" in message.body
        assert unread.message in html_of(message)
        for absent in ("already seen", "too old", "someone else's"):
            assert absent not in message.body and absent not in html_of(message)
        log = DigestLog.objects.get(user=user)
        assert (log.period, log.period_start, log.notification_count, log.post_count) == (
            "daily",
            datetime(2026, 3, 4, tzinfo=UTC),
            1,
            0,
        )

    def test_top_posts_from_my_rooms_and_people_i_follow(self):
        user = subscriber()
        followed, stranger = UserFactory(), UserFactory()
        Follow.objects.create(follower=user, followee=followed)
        my_room = RoomFactory(is_public=False)
        MembershipFactory(room=my_room, user=user)
        hidden_room = RoomFactory(is_public=False)
        in_my_room = make_post(author=stranger, room=my_room, score=5, title="Room post")
        by_followed = make_post(author=followed, score=9, title="Followed post")
        make_post(author=followed, room=hidden_room, score=50, title="Secret room post")
        make_post(author=stranger, score=100, title="Unrelated post")
        make_post(author=followed, score=70, title="Last week post", created_at=NOW - timedelta(days=3))
        make_post(author=user, room=my_room, score=80, title="My own post")

        digests_send(period="daily", now=NOW)

        [message] = mail.outbox
        assert message.subject == "Your daily CodeNest digest"
        body, html = message.body, html_of(message)
        assert body.index(by_followed.title) < body.index(in_my_room.title)
        assert f"{settings.SITE_URL}/posts/{by_followed.pk}" in body
        assert f"{settings.SITE_URL}/posts/{in_my_room.pk}" in html
        for absent in ("Secret room post", "Unrelated post", "Last week post", "My own post"):
            assert absent not in body and absent not in html

    def test_weekly_covers_seven_days(self):
        user = subscriber("weekly")
        NotificationFactory(recipient=user, message="five days ago", created_at=NOW - timedelta(days=5))
        digests_send(period="weekly", now=NOW)
        [message] = mail.outbox
        assert "five days ago" in message.body
        assert DigestLog.objects.get(user=user).period_start == datetime(2026, 3, 2, tzinfo=UTC)  # Monday

    def test_html_escapes_user_content(self):
        user = subscriber()
        NotificationFactory(recipient=user, message="<script>alert(1)</script>", created_at=NOW)
        digests_send(period="daily", now=NOW)
        html = html_of(mail.outbox[0])
        assert "<script>" not in html and "&lt;script&gt;" in html


class TestWhoGetsOne:
    def test_nothing_to_show_sends_nothing(self):
        user = subscriber()
        NotificationFactory(recipient=user, is_read=True, created_at=NOW)
        assert digests_send(period="daily", now=NOW)["empty"] == 1
        assert mail.outbox == []
        assert not DigestLog.objects.exists()

    def test_only_opted_in_active_users_of_that_period(self):
        daily, weekly, off, inactive = subscriber("daily"), subscriber("weekly"), subscriber("off"), subscriber()
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
        never_chose = UserFactory()
        for user in (daily, weekly, off, inactive, never_chose):
            NotificationFactory(recipient=user, created_at=NOW)
        digests_send(period="daily", now=NOW)
        assert [m.to for m in mail.outbox] == [[daily.email]]


class TestExactlyOnce:
    def test_running_twice_in_a_period_sends_once(self):
        user = subscriber()
        NotificationFactory(recipient=user, created_at=NOW)
        assert digests_send(period="daily", now=NOW)["sent"] == 1
        later = NOW + timedelta(hours=5)
        NotificationFactory(recipient=user, created_at=later)
        assert digests_send(period="daily", now=later) == {"sent": 0, "empty": 0, "already_sent": 1, "failed": 0}
        assert len(mail.outbox) == 1
        assert DigestLog.objects.count() == 1

    def test_next_period_sends_again(self):
        user = subscriber()
        NotificationFactory(recipient=user, created_at=NOW)
        digests_send(period="daily", now=NOW)
        tomorrow = NOW + timedelta(days=1)
        NotificationFactory(recipient=user, created_at=tomorrow)
        digests_send(period="daily", now=tomorrow)
        assert len(mail.outbox) == 2
        assert DigestLog.objects.filter(user=user).count() == 2

    def test_the_beat_task_twice(self):
        user = subscriber("weekly")
        with time_machine.travel(NOW, tick=False):
            NotificationFactory(recipient=user)
            first = send_digests.delay("weekly").get()
            second = send_digests.apply(args=("weekly",)).get()
        assert (first["sent"], second["sent"], second["already_sent"]) == (1, 0, 1)
        assert len(mail.outbox) == 1

    def test_beat_schedule_names_the_task(self):
        scheduled = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert send_digests.name == "notifications.tasks.send_digests"
        assert send_digests.name in scheduled
        periods = {
            entry["args"][0] for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == send_digests.name
        }
        assert periods == {"daily", "weekly"}

    def test_unknown_period_is_refused(self):
        with pytest.raises(ValueError):
            digests_send(period="hourly", now=NOW)

    @pytest.mark.parametrize(
        "moment, period, start",
        [
            (datetime(2026, 3, 4, 23, 59, tzinfo=UTC), "daily", datetime(2026, 3, 4, tzinfo=UTC)),
            (datetime(2026, 3, 5, 0, 0, tzinfo=UTC), "daily", datetime(2026, 3, 5, tzinfo=UTC)),
            (datetime(2026, 3, 8, 23, 0, tzinfo=UTC), "weekly", datetime(2026, 3, 2, tzinfo=UTC)),
            (datetime(2026, 3, 9, 0, 0, tzinfo=UTC), "weekly", datetime(2026, 3, 9, tzinfo=UTC)),
        ],
    )
    def test_period_boundaries(self, moment, period, start):
        assert digest_period_start(period=period, now=moment) == start


class TestUnsubscribe:
    def test_link_in_the_mail_works_without_login(self, anon_client):
        user = subscriber()
        NotificationFactory(recipient=user, created_at=NOW)
        digests_send(period="daily", now=NOW)
        message = mail.outbox[0]
        link = next(line.strip() for line in message.body.splitlines() if UNSUBSCRIBE in line).split()[-1]
        assert link.startswith(settings.SITE_URL)
        assert link in html_of(message)
        assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
        url = urlparse(link)
        response = anon_client.get(url.path, parse_qs(url.query))
        assert response.status_code == 200
        assert response.json()["email_digest"] == "off"
        assert NotificationPreference.objects.get(user=user).email_digest == "off"
        # Clicking twice is fine.
        assert anon_client.get(url.path, parse_qs(url.query)).status_code == 200

    def test_one_click_post(self, anon_client):
        user = subscriber("weekly")
        response = anon_client.post(f"{UNSUBSCRIBE}?token={unsubscribe_token_for(user)}")
        assert response.status_code == 200
        assert NotificationPreference.objects.get(user=user).email_digest == "off"

    def test_a_bad_auth_header_does_not_matter(self, anon_client):
        user = subscriber()
        anon_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")
        assert anon_client.get(UNSUBSCRIBE, {"token": unsubscribe_token_for(user)}).status_code == 200

    @pytest.mark.parametrize("token", ["", "garbage", "1:forged", "x" * 600])
    def test_bad_tokens_are_400(self, anon_client, token):
        user = subscriber()
        response = anon_client.get(UNSUBSCRIBE, {"token": token})
        assert response.status_code == 400
        assert "token" in response.json()
        assert NotificationPreference.objects.get(user=user).email_digest == "daily"

    def test_missing_token_is_400(self, anon_client):
        assert anon_client.get(UNSUBSCRIBE).status_code == 400

    def test_tampered_token_is_400(self, anon_client):
        victim, attacker = subscriber(), subscriber()
        _payload, *signature = unsubscribe_token_for(attacker).split(":")
        victim_payload = signing.b64_encode(str(victim.pk).encode()).decode()
        forgeries = [":".join([victim_payload, *signature]), signing.dumps(victim.pk, salt="another-purpose")]
        for forged in forgeries:
            assert anon_client.get(UNSUBSCRIBE, {"token": forged}).status_code == 400
        assert NotificationPreference.objects.get(user=victim).email_digest == "daily"

    def test_token_of_a_deleted_user_is_400(self, anon_client):
        user = subscriber()
        token = unsubscribe_token_for(user)
        user.delete()
        assert anon_client.get(UNSUBSCRIBE, {"token": token}).status_code == 400
