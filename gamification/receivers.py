"""Handlers of other apps' domain signals, connected in AppConfig.ready().

The signals are sent after the triggering transaction committed, so everything here runs in its own
transactions. Nothing here may raise into the sender: a failure is logged and the action stands.
"""

import logging

from django.dispatch import receiver

from codenest.realtime import never_breaks_the_action
from gamification import services
from gamification.tasks import badges_award
from hackathons import signals as hackathons_signals
from hackathons.models import TeamMember
from posts import signals as posts_signals
from projects import signals as projects_signals
from projects.models import TaskStatus
from rooms import signals as rooms_signals
from users import signals as users_signals

logger = logging.getLogger(__name__)


def _award_badges(*, user, codes: list[str]) -> None:
    """The badge rules run in a task, by id: the action that earned them does not wait for them."""
    if user is not None:
        badges_award.delay(user_id=user.pk, codes=codes)


def _record_activity(user) -> None:
    """A contribution: counts for the leaderboard, extends the streak, may earn week_warrior."""
    if user is None:
        return
    try:
        services.activity_record(user_id=user.pk)
    except Exception:
        logger.exception("Recording activity of user %s failed", user.pk)
        return
    _award_badges(user=user, codes=["week_warrior"])


@receiver(posts_signals.post_created, dispatch_uid="gamification.post_created")
@never_breaks_the_action
def on_post_created(sender, post, **kwargs):
    _record_activity(post.author)
    _award_badges(user=post.author, codes=["first_post", "rising_star"])


@receiver(posts_signals.comment_created, dispatch_uid="gamification.comment_created")
@never_breaks_the_action
def on_comment_created(sender, comment, **kwargs):
    _record_activity(comment.author)


@receiver(posts_signals.vote_cast, dispatch_uid="gamification.vote_cast")
@never_breaks_the_action
def on_vote_cast(sender, author, karma_delta, **kwargs):
    # Karma is earned history: removing a post later (its votes go with it) does not take it back.
    if author is None or not karma_delta:
        return
    services.karma_apply(user_id=author.pk, delta=karma_delta)
    if karma_delta > 0:
        _award_badges(user=author, codes=["karma_king"])


@receiver(rooms_signals.message_posted, dispatch_uid="gamification.message_posted")
@never_breaks_the_action
def on_message_posted(sender, message, **kwargs):
    # Private conversations count for nothing public: no leaderboard contribution, no streak.
    if message.room.is_conversation:
        return
    _record_activity(message.author)


@receiver(rooms_signals.room_joined, dispatch_uid="gamification.room_joined")
@never_breaks_the_action
def on_room_joined(sender, user, **kwargs):
    _award_badges(user=user, codes=["community_builder"])


@receiver(users_signals.user_followed, dispatch_uid="gamification.user_followed")
@never_breaks_the_action
def on_user_followed(sender, followee, **kwargs):
    _award_badges(user=followee, codes=["social_butterfly"])


@receiver(projects_signals.project_created, dispatch_uid="gamification.project_created")
@never_breaks_the_action
def on_project_created(sender, owner, **kwargs):
    _award_badges(user=owner, codes=["first_project", "team_player"])


@receiver(projects_signals.member_added, dispatch_uid="gamification.member_added")
@never_breaks_the_action
def on_member_added(sender, user, **kwargs):
    _award_badges(user=user, codes=["team_player"])


@receiver(projects_signals.task_assigned, dispatch_uid="gamification.task_assigned")
@never_breaks_the_action
def on_task_assigned(sender, task, assignee, **kwargs):
    # Assigning a task that is already done counts for the new assignee.
    if task.status == TaskStatus.DONE:
        _award_badges(user=assignee, codes=["task_crusher"])


@receiver(projects_signals.task_status_changed, dispatch_uid="gamification.task_status_changed")
@never_breaks_the_action
def on_task_status_changed(sender, task, new_status, actor=None, **kwargs):
    _record_activity(actor)
    if new_status == TaskStatus.DONE and task.assignee_id:
        _award_badges(user=task.assignee, codes=["task_crusher"])


@receiver(projects_signals.commit_linked, dispatch_uid="gamification.commit_linked")
@never_breaks_the_action
def on_commit_linked(sender, task, user=None, **kwargs):
    if user is not None:
        _award_badges(user=user, codes=["open_source_hero"])


@receiver(hackathons_signals.results_published, dispatch_uid="gamification.hackathon_results")
@never_breaks_the_action
def on_hackathon_results(sender, hackathon, teams=(), **kwargs):
    winners = [team.pk for team in teams if team.final_rank == 1]  # ties at the top all win
    members = TeamMember.objects.filter(team_id__in=winners, left_at__isnull=True).select_related("user")
    for membership in members:
        _award_badges(user=membership.user, codes=["hackathon_winner"])


# --- accounts (issue 10) ---------------------------------------------------------------------


@receiver(users_signals.user_erased, dispatch_uid="gamification.user_erased")
@never_breaks_the_action
def forget_erased_user(sender, user_id, **kwargs):
    """Badges and activity days of an erased account are personal data: gone (karma was zeroed)."""
    from gamification.models import ActivityDay, UserBadge

    UserBadge.objects.filter(user_id=user_id).delete()
    ActivityDay.objects.filter(user_id=user_id).delete()
