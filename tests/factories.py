"""factory-boy factories for every app. Each app keeps its factories in its own section below."""

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from posts.models import Post
from posts.ranking import hot_rank
from posts.services import comment_create, post_refresh_search_vector
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
        skip_postgeneration_save = True

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


class MessageFactory(factory.django.DjangoModelFactory):
    """A stored chat message (no broadcast); tests of the write path use rooms.services.message_post."""

    class Meta:
        model = "rooms.Message"

    room = factory.SubFactory(RoomFactory)
    author = factory.LazyAttribute(lambda message: message.room.creator)
    content = factory.Sequence(lambda n: f"message {n}")


# --- posts -----------------------------------------------------------------------------------


class PostFactory(factory.django.DjangoModelFactory):
    """A post as posts.services would store it (hot from created_at); pass room= for a room's post."""

    class Meta:
        model = Post
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    content = "Some words about code."
    created_at = factory.LazyFunction(timezone.now)
    hot = factory.LazyAttribute(lambda post: hot_rank(score=0, created_at=post.created_at))

    @factory.post_generation
    def search_vector(obj, create, extracted, **kwargs):
        if create:
            post_refresh_search_vector(posts=Post.objects.filter(pk=obj.pk))


def make_comment(*, post, author=None, parent=None, content="A comment."):
    """Comments go through the service: it alone knows the thread path and the post's comment_count."""
    parent_id = parent.pk if parent else None
    return comment_create(post=post, author=author or UserFactory(), content=content, parent=parent_id)


# --- projects --------------------------------------------------------------------------------


class ProjectFactory(factory.django.DjangoModelFactory):
    """A public project; its owner gets the owner membership, as projects.services does."""

    class Meta:
        model = "projects.Project"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    description = "A project for testing."
    owner = factory.SubFactory(UserFactory)

    @factory.post_generation
    def owner_membership(obj, create, extracted, **kwargs):
        if create:
            from projects.models import ProjectMember, ProjectRole

            ProjectMember.objects.get_or_create(project=obj, user=obj.owner, defaults={"role": ProjectRole.OWNER})


class ProjectMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.ProjectMember"

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = "developer"


class TaskFactory(factory.django.DjangoModelFactory):
    """A task numbered like the service numbers them (the project's counter, then +1)."""

    class Meta:
        model = "projects.Task"

    project = factory.SubFactory(ProjectFactory)
    title = factory.Sequence(lambda n: f"Task {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from django.db.models import F

        from projects.models import Project

        project = kwargs["project"]
        if "number" not in kwargs:
            kwargs["number"] = Project.objects.get(pk=project.pk).next_task_number
        Project.objects.filter(pk=project.pk).update(next_task_number=F("next_task_number") + 1)
        return super()._create(model_class, *args, **kwargs)


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
