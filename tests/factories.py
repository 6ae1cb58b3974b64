"""factory-boy factories for every app. Each app keeps its factories in its own section below."""

import factory
from django.contrib.auth import get_user_model

from rooms.models import Membership, Role, Room

DEFAULT_PASSWORD = "correct-horse-battery-42"

# --- users -----------------------------------------------------------------------------------


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    handle = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


# --- rooms -----------------------------------------------------------------------------------


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")
    slug = factory.Sequence(lambda n: f"room-{n}")
    description = "A room for testing."
    is_public = True
    creator = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(obj, create, extracted, **kwargs):
        if create and obj.creator_id:
            Membership.objects.get_or_create(room=obj, user=obj.creator, defaults={"role": Role.OWNER})


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    room = factory.SubFactory(RoomFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


# --- posts -----------------------------------------------------------------------------------

# --- projects --------------------------------------------------------------------------------

# --- notifications ---------------------------------------------------------------------------


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.Notification"

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    verb = "follow"
    message = factory.LazyAttribute(lambda n: f"@{n.actor.handle} started following you")
    link = factory.LazyAttribute(lambda n: f"/users/{n.actor.pk}")
    target_type = "user"
    target_id = factory.LazyAttribute(lambda n: n.actor.pk)


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "notifications.NotificationPreference"

    user = factory.SubFactory(UserFactory)
    email_digest = "off"
    muted_verbs = factory.LazyFunction(list)

# --- gamification ----------------------------------------------------------------------------


def catalogue_badge(code: str):
    """A badge of the catalogue that the data migration installs (badges are data, not factories)."""
    from gamification.models import Badge

    return Badge.objects.get(code=code)


def _utc_today():
    from gamification.services import utc_today

    return utc_today()


class UserBadgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "gamification.UserBadge"

    user = factory.SubFactory(UserFactory)
    badge = factory.LazyFunction(lambda: catalogue_badge("first_post"))


class ActivityDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "gamification.ActivityDay"

    user = factory.SubFactory(UserFactory)
    day = factory.LazyFunction(_utc_today)
    contributions = 0
    karma = 0
