"""Handlers of other apps' domain signals, connected in EventsConfig.ready()."""

import logging

from django.dispatch import receiver

from events import services
from users import signals as user_signals

logger = logging.getLogger(__name__)


@receiver(user_signals.user_erased, dispatch_uid="events.user_erased")
def forget_erased_user(sender, user_id, **kwargs):
    # Runs after the erasure committed: a failure here must not surface as an error of that request.
    try:
        services.event_user_data_erase(user_id=user_id)
    except Exception:
        logger.exception("erasing event data of user %s failed", user_id)
