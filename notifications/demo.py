"""Demo data for `manage.py seed_demo`: a few notifications made the real way, and digest preferences."""

from notifications.services import preference_update
from users.services import follow_create


def seed(*, users: dict, stdout) -> None:
    alice, bob, carol = users["alice"], users["bob"], users["carol"]
    # Real follows: the receivers turn them into `follow` notifications once the seed commits.
    follow_create(follower=bob, followee=alice)
    follow_create(follower=carol, followee=alice)
    follow_create(follower=alice, followee=bob)
    preference_update(user=alice, email_digest="daily")
    preference_update(user=bob, email_digest="weekly", muted_verbs=["badge_awarded"])
    stdout.write("notifications: follows among alice, bob and carol; alice gets a daily digest, bob a weekly one")
