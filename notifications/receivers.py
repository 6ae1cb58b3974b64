"""Handlers of other apps' domain signals, connected in AppConfig.ready().

Signals arrive after the sender's transaction committed, so a failure here must not surface as an
error of the action that triggered it: every handler logs and swallows its own exceptions. Handlers
decide who hears of what and enqueue the notifications.tasks that insert and push them, by ids.
"""

from django.dispatch import receiver
from django.utils.text import Truncator

from codenest.realtime import never_breaks_the_action
from events import signals as event_signals
from gamification import signals as gamification_signals
from hackathons import signals as hackathon_signals
from hackathons.models import TeamMember
from notifications.models import Verb
from notifications.tasks import notify, notify_once
from posts import signals as post_signals
from projects import signals as project_signals
from projects.models import ProjectRole
from rooms import signals as room_signals
from rooms.conversations.selectors import conversation_recipients
from rooms.models import ParticipantStatus
from users import signals as user_signals
from users.models import User


def _short(text: str, length: int = 80) -> str:
    return Truncator(text or "").chars(length)


def _notify(recipients, *, verb: str, message: str, actor=None, room_id: int | None = None, **fields) -> None:
    """Hand the fan-out to a task, by ids: the request that sent the signal inserts and pushes nothing
    per recipient (the embedded default runs the task at once, in-process). With `room_id` the task
    keeps only the recipients who may see that room's content."""
    recipient_ids = [user.pk for user in recipients if user is not None]
    if recipient_ids:
        notify.delay(
            recipient_ids=recipient_ids,
            verb=str(verb),
            message=message,
            actor_id=actor.pk if actor is not None else None,
            room_id=room_id,
            **fields,
        )


def _notify_once(recipient, *, verb: str, actor=None, **fields) -> None:
    notify_once.delay(
        recipient_id=recipient.pk, verb=str(verb), actor_id=actor.pk if actor is not None else None, **fields
    )


# --- users -----------------------------------------------------------------------------------


@receiver(user_signals.user_followed, dispatch_uid="notifications.follow")
@never_breaks_the_action
def notify_followed(sender, follower, followee, **kwargs):
    _notify(
        [followee],
        actor=follower,
        verb=Verb.FOLLOW,
        message=f"@{follower.handle} started following you",
        link=f"/users/{follower.pk}",
        target_type="user",
        target_id=follower.pk,
    )


# --- rooms -----------------------------------------------------------------------------------


@receiver(room_signals.message_posted, dispatch_uid="notifications.message_mention")
@never_breaks_the_action
def notify_message_mentions(sender, message, mentioned_users=(), **kwargs):
    room = message.room
    _notify(
        mentioned_users,
        room_id=room.pk,
        actor=message.author,
        verb=Verb.MENTION,
        message=f"@{message.author.handle} mentioned you in {room.name or 'a conversation'}: {_short(message.content)}",
        link=f"/rooms/{room.pk}?message={message.pk}",
        target_type="message",
        target_id=message.pk,
        data={"room": room.pk},
    )


# --- conversations (rooms of kind direct/group) --------------------------------------------------


def _notify_message_request(room, starter, recipient) -> None:
    """One message_request per conversation and recipient, ever: later messages add nothing."""
    _notify_once(
        recipient,
        actor=starter,
        verb=Verb.MESSAGE_REQUEST,
        message=f"@{starter.handle} wants to send you a message",
        link=f"/conversations/{room.pk}",
        target_type="conversation",
        target_id=room.pk,
        data={"conversation": room.pk},
    )


@receiver(room_signals.conversation_started, dispatch_uid="notifications.message_request")
@never_breaks_the_action
def notify_message_request(sender, room, starter, requested_users=(), **kwargs):
    for recipient in requested_users:
        _notify_message_request(room, starter, recipient)


@receiver(room_signals.message_posted, dispatch_uid="notifications.direct_message")
@never_breaks_the_action
def notify_direct_message(sender, message, **kwargs):
    """direct_message: ONE unread notification per conversation (refreshed by each new message);
    a muted conversation notifies nothing; a request's recipient gets its one message_request."""
    room, author = message.room, message.author
    if not room.is_conversation or author is None:
        return
    for participant in conversation_recipients(room=room, exclude_user_id=author.pk):
        if participant.status == ParticipantStatus.REQUEST:
            _notify_message_request(room, author, participant.user)
        elif participant.status == ParticipantStatus.ACTIVE and not participant.muted:
            where = f" in {room.name}" if room.name else ""
            _notify_once(
                participant.user,
                actor=author,
                verb=Verb.DIRECT_MESSAGE,
                message=f"@{author.handle}{where}: {_short(message.content)}",
                link=f"/conversations/{room.pk}",
                target_type="conversation",
                target_id=room.pk,
                data={"conversation": room.pk, "message": message.pk},
                while_unread=True,
            )


@receiver(room_signals.invite_created, dispatch_uid="notifications.room_invite")
@never_breaks_the_action
def notify_room_invite(sender, room, invite, inviter, invitee=None, **kwargs):
    if invitee is None:
        return
    _notify(
        [invitee],
        actor=inviter,
        verb=Verb.ROOM_INVITE,
        message=f"@{inviter.handle} invited you to {room.name}",
        link=f"/rooms/{room.pk}/join?code={invite.code}",
        target_type="room",
        target_id=room.pk,
        data={"room": room.pk, "code": invite.code},
    )


# --- posts -----------------------------------------------------------------------------------


def _post_link(post, comment=None) -> str:
    return f"/posts/{post.pk}" + (f"#comment-{comment.pk}" if comment is not None else "")


@receiver(post_signals.post_created, dispatch_uid="notifications.post_mention")
@never_breaks_the_action
def notify_post_mentions(sender, post, mentioned_users=(), **kwargs):
    _notify(
        mentioned_users,
        room_id=post.room_id,
        actor=post.author,
        verb=Verb.MENTION,
        message=f"@{post.author.handle} mentioned you in “{_short(post.title)}”",
        link=_post_link(post),
        target_type="post",
        target_id=post.pk,
        data={"post": post.pk},
    )


@receiver(post_signals.comment_created, dispatch_uid="notifications.comment")
@never_breaks_the_action
def notify_comment(sender, comment, mentioned_users=(), **kwargs):
    post, author = comment.post, comment.author
    parent = comment.parent
    common = {
        "actor": author,
        "link": _post_link(post, comment),
        "target_type": "comment",
        "target_id": comment.pk,
        "data": {"post": post.pk},
    }
    notified = {author.pk}
    if parent is not None and parent.author_id is not None:
        _notify(
            [parent.author],
            verb=Verb.REPLY,
            message=f"@{author.handle} replied to your comment: {_short(comment.content)}",
            **common,
        )
        notified.add(parent.author_id)
    if post.author_id is not None and post.author_id not in notified:
        _notify(
            [post.author],
            verb=Verb.COMMENT,
            message=f"@{author.handle} commented on “{_short(post.title)}”: {_short(comment.content)}",
            **common,
        )
        notified.add(post.author_id)
    # Someone already told about this comment gets no second notification for being mentioned in it.
    mentioned = [user for user in mentioned_users if user.pk not in notified]
    _notify(
        mentioned,
        room_id=post.room_id,
        verb=Verb.MENTION,
        message=f"@{author.handle} mentioned you in a comment on “{_short(post.title)}”",
        **common,
    )


# --- projects --------------------------------------------------------------------------------


@receiver(project_signals.member_added, dispatch_uid="notifications.project_member_added")
@never_breaks_the_action
def notify_project_member_added(sender, project, user, role, added_by=None, join_request=None, **kwargs):
    if join_request is not None:  # an accepted request: `join_request_accepted` tells them
        return
    by = f"@{added_by.handle} added you" if added_by is not None else "You were added"
    _notify(
        [user],
        actor=added_by,
        verb=Verb.PROJECT_MEMBER_ADDED,
        message=f"{by} to {project.name} as {role}",
        link=f"/projects/{project.pk}",
        target_type="project",
        target_id=project.pk,
        data={"project": project.pk, "role": str(role)},
    )


@receiver(project_signals.task_assigned, dispatch_uid="notifications.task_assigned")
@never_breaks_the_action
def notify_task_assigned(sender, task, assignee, assigned_by=None, **kwargs):
    if assignee is None:
        return
    by = f"@{assigned_by.handle} assigned you" if assigned_by is not None else "You were assigned"
    _notify(
        [assignee],
        actor=assigned_by,
        verb=Verb.TASK_ASSIGNED,
        message=f"{by} #{task.number} “{_short(task.title)}”",
        link=f"/projects/{task.project_id}/tasks/{task.number}",
        target_type="task",
        target_id=task.pk,
        data={"project": task.project_id, "number": task.number},
    )


# --- events ----------------------------------------------------------------------------------


def _event_common(event, slot=None) -> dict:
    data = {"event": event.pk}
    if event.room_id is not None:
        data["room"] = event.room_id
    if slot is not None:
        data.update(slot=slot.pk, starts_at=slot.starts_at.isoformat().replace("+00:00", "Z"))
    return {"link": f"/events/{event.pk}", "target_type": "event", "target_id": event.pk, "data": data}


def _when(slot) -> str:
    return f"{slot.starts_at:%a %d %b %Y, %H:%M} UTC"


@receiver(event_signals.event_locked, dispatch_uid="notifications.event_locked")
@never_breaks_the_action
def notify_event_locked(sender, event, slot, locked_by=None, voters=(), **kwargs):
    _notify(
        voters,
        actor=locked_by,
        verb=Verb.EVENT_LOCKED,
        message=f"“{_short(event.title)}” is set for {_when(slot)}",
        **_event_common(event, slot),
    )


@receiver(event_signals.event_cancelled, dispatch_uid="notifications.event_cancelled")
@never_breaks_the_action
def notify_event_cancelled(sender, event, cancelled_by=None, voters=(), **kwargs):
    _notify(
        voters,
        actor=cancelled_by,
        verb=Verb.EVENT_CANCELLED,
        message=f"“{_short(event.title)}” was cancelled",
        **_event_common(event),
    )


@receiver(event_signals.event_reminder_due, dispatch_uid="notifications.event_reminder")
@never_breaks_the_action
def notify_event_reminder(sender, event, slot, recipients=(), **kwargs):
    _notify(
        recipients,
        verb=Verb.EVENT_REMINDER,
        message=f"Reminder: “{_short(event.title)}” starts at {_when(slot)}",
        **_event_common(event, slot),
    )


# --- project join requests -------------------------------------------------------------------


@receiver(project_signals.join_request_created, dispatch_uid="notifications.project_join_request")
@never_breaks_the_action
def notify_project_join_request(sender, join_request, **kwargs):
    project, requester = join_request.project, join_request.user
    managers = User.objects.filter(
        project_memberships__project=project,
        project_memberships__role__in=[ProjectRole.OWNER, ProjectRole.MAINTAINER],
    )
    _notify(
        managers,
        actor=requester,
        verb=Verb.JOIN_REQUEST,
        message=f"@{requester.handle} asked to join {project.name}: {_short(join_request.message)}",
        link=f"/projects/{project.pk}/join-requests",
        target_type="project_join_request",
        target_id=join_request.pk,
        data={"project": project.pk, "request": join_request.pk},
    )


@receiver(project_signals.join_request_accepted, dispatch_uid="notifications.project_join_request_accepted")
@never_breaks_the_action
def notify_project_join_request_accepted(sender, join_request, accepted_by=None, **kwargs):
    project = join_request.project
    _notify(
        [join_request.user],
        actor=accepted_by,
        verb=Verb.JOIN_REQUEST_ACCEPTED,
        message=f"Your request to join {project.name} was accepted: you are a developer now",
        link=f"/projects/{project.pk}",
        target_type="project",
        target_id=project.pk,
        data={"project": project.pk, "request": join_request.pk},
    )


# --- hackathons ------------------------------------------------------------------------------


@receiver(hackathon_signals.join_request_created, dispatch_uid="notifications.team_join_request")
@never_breaks_the_action
def notify_team_join_request(sender, join_request, **kwargs):
    team, requester = join_request.team, join_request.user
    _notify(
        [team.leader],
        actor=requester,
        verb=Verb.JOIN_REQUEST,
        message=f"@{requester.handle} asked to join your team {team.name}: {_short(join_request.message)}",
        link=f"/hackathons/{team.hackathon_id}/teams/{team.pk}",
        target_type="team_join_request",
        target_id=join_request.pk,
        data={"hackathon": team.hackathon_id, "team": team.pk, "request": join_request.pk},
    )


@receiver(hackathon_signals.join_request_accepted, dispatch_uid="notifications.team_join_request_accepted")
@never_breaks_the_action
def notify_team_join_request_accepted(sender, join_request, accepted_by=None, **kwargs):
    team = join_request.team
    _notify(
        [join_request.user],
        actor=accepted_by,
        verb=Verb.JOIN_REQUEST_ACCEPTED,
        message=f"You are on team {team.name} now: your request to join was accepted",
        link=f"/hackathons/{team.hackathon_id}/teams/{team.pk}",
        target_type="team",
        target_id=team.pk,
        data={"hackathon": team.hackathon_id, "team": team.pk, "request": join_request.pk},
    )


@receiver(hackathon_signals.results_published, dispatch_uid="notifications.hackathon_result")
@never_breaks_the_action
def notify_hackathon_result(sender, hackathon, teams=(), **kwargs):
    """Every current team member hears their team's rank; teams without a submission are told the results are out."""
    ranked = {team.pk: team for team in teams}
    memberships = TeamMember.objects.filter(hackathon=hackathon, left_at__isnull=True).select_related("user", "team")
    by_team: dict = {}
    for membership in memberships:
        by_team.setdefault(membership.team, []).append(membership.user)
    for team, users in by_team.items():
        placed = ranked.get(team.pk)
        if placed is not None and placed.final_rank is not None:
            outcome = f"your team {team.name} placed #{placed.final_rank} with {placed.final_score:.2f} points"
        else:
            outcome = f"your team {team.name} made no submission"
        _notify(
            users,
            actor=hackathon.organizer,
            verb=Verb.HACKATHON_RESULT,
            message=f"Results of {hackathon.name} are out: {outcome}",
            link=f"/hackathons/{hackathon.pk}/leaderboard",
            target_type="hackathon",
            target_id=hackathon.pk,
            data={"hackathon": hackathon.pk, "team": team.pk, "rank": placed.final_rank if placed else None},
        )


# --- gamification ----------------------------------------------------------------------------


@receiver(gamification_signals.badge_awarded, dispatch_uid="notifications.badge_awarded")
@never_breaks_the_action
def notify_badge_awarded(sender, user, badge, user_badge=None, **kwargs):
    _notify(
        [user],
        verb=Verb.BADGE_AWARDED,
        message=f"You earned the {badge.name} badge",
        link=f"/users/{user.pk}",
        target_type="badge",
        target_id=badge.pk,
        data={"badge": badge.code},
    )


# --- accounts (issue 10) ---------------------------------------------------------------------


@receiver(user_signals.user_erased, dispatch_uid="notifications.user_erased")
@never_breaks_the_action
def forget_erased_user(sender, user_id, **kwargs):
    """An erased account's inbox, preferences and digest history are personal data: gone."""
    from notifications.models import DigestLog, Notification, NotificationPreference

    Notification.objects.filter(recipient_id=user_id).delete()
    NotificationPreference.objects.filter(user_id=user_id).delete()
    DigestLog.objects.filter(user_id=user_id).delete()
