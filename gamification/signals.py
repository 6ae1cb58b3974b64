"""Domain signals of the gamification app, sent by gamification.services after commit.

badge_awarded(sender, user, badge, user_badge)     a badge newly earned (never twice per user)
"""

from django.dispatch import Signal

badge_awarded = Signal()
