"""Domain signals of the users app, sent by its services after commit.

user_registered(sender, user)
user_followed(sender, follower, followee)       only when a new follow was created
user_unfollowed(sender, follower, followee)
user_blocked(sender, blocker, blocked)          only when a new block was created
user_unblocked(sender, blocker, blocked)
user_erased(sender, user_id)                    the account was erased (DELETE users/me/): apps delete the
                                                personal data they hold about user_id (notifications,
                                                uploads nothing else uses, badges...); content stays
"""

from django.dispatch import Signal

user_registered = Signal()
user_followed = Signal()
user_unfollowed = Signal()
user_blocked = Signal()
user_unblocked = Signal()
user_erased = Signal()
