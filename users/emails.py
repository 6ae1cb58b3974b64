"""The account e-mails: verification and password reset. Links point at the SPA (FRONTEND_URL)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from users.models import User

VERIFICATION_SALT = "users.email-verification"


def email_verification_key(user: User) -> str:
    """A signed key naming the user and the address it verifies: a changed address voids older keys."""
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=VERIFICATION_SALT, compress=True)


def read_email_verification_key(key: str) -> dict | None:
    try:
        payload = signing.loads(key, salt=VERIFICATION_SALT, max_age=settings.EMAIL_VERIFICATION_TIMEOUT)
    except signing.BadSignature:  # forged, truncated or expired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("user"), int):
        return None
    return payload


def password_reset_params(user: User) -> dict:
    """uid + Django's reset token (bound to the password hash and last login: it works once)."""
    return {"uid": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def _send(*, user: User, template: str, link: str, **context) -> None:
    context = {"user": user, "link": link, **context}
    EmailMessage(
        subject=render_to_string(f"users/email/{template}_subject.txt", context).strip(),
        body=render_to_string(f"users/email/{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    ).send()


def send_verification(user: User) -> None:
    link = f"{settings.FRONTEND_URL}/verify-email?{urlencode({'key': email_verification_key(user)})}"
    _send(user=user, template="verify", link=link, valid_days=max(settings.EMAIL_VERIFICATION_TIMEOUT // 86400, 1))


def send_password_reset(user: User) -> None:
    link = f"{settings.FRONTEND_URL}/reset-password?{urlencode(password_reset_params(user))}"
    _send(user=user, template="reset", link=link, valid_minutes=max(settings.PASSWORD_RESET_TIMEOUT // 60, 1))
