"""Reactions of uploads to other apps' domain signals."""

from django.dispatch import receiver

from uploads import services
from users.signals import user_erased


@receiver(user_erased, dispatch_uid="uploads.delete_uploads_of_erased_user")
def delete_uploads_of_erased_user(sender, user_id: int, **kwargs) -> None:
    services.uploads_erase_for_user(user_id=user_id)
