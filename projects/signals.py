"""Domain signals of the projects app, sent by projects.services after commit.

Keyword arguments (sender is the model class):
project_created(project, owner)
member_added(project, user, role, added_by)     + join_request when it came from accepting one
task_created(task, actor)
task_assigned(task, assignee, assigned_by)
task_status_changed(task, old_status, new_status, actor)    actor may be None (commit / webhook)
commit_linked(commit, task, user)            a synced commit closed `task`; user is the matched author or None
"""

from django.dispatch import Signal

project_created = Signal()
member_added = Signal()
task_created = Signal()
task_assigned = Signal()
task_status_changed = Signal()
commit_linked = Signal()

# Join requests (sender ProjectJoinRequest):
# join_request_created(join_request)                 a non-member asked to join; the managers decide
# join_request_accepted(join_request, accepted_by)   the requester is now a developer
join_request_created = Signal()
join_request_accepted = Signal()
