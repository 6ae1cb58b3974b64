"""Domain signals of the hackathons app, sent by hackathons.services after commit.

Keyword arguments (sender is the model class):
join_request_created(join_request)                 someone asked to join a team; its leader decides
join_request_accepted(join_request, accepted_by)   the requester is on the team now
results_published(hackathon, teams)                the organizer published; `teams` are the ranked
                                                   teams (final_rank, final_score set), best first
"""

from django.dispatch import Signal

join_request_created = Signal()
join_request_accepted = Signal()
results_published = Signal()
