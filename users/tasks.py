"""Celery tasks of the users app: thin, idempotent wrappers that look the user up again."""

from celery import shared_task

from users import emails
from users.models import User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_verification_email(user_id: int) -> bool:
    user = User.objects.filter(pk=user_id, is_active=True, erased_at__isnull=True, email_verified=False).first()
    if user is None:  # verified meanwhile, or gone: nothing to send
        return False
    emails.send_verification(user)
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset_email(email: str) -> bool:
    """The address is looked up here, not in the request, so known and unknown addresses answer alike."""
    user = User.objects.filter(email__iexact=email, is_active=True, erased_at__isnull=True).first()
    if user is None:
        return False
    emails.send_password_reset(user)
    return True
