"""GitHub login for the SPA on python-social-auth (social-core + social_django).

The library does the OAuth protocol (authorize URL, code → token exchange, `/user`, `/user/emails`)
and stores account links (`social_django.UserSocialAuth`). What is ours:

- The SPA has no server session, so the OAuth `state` is a signed, timestamped token (10 minutes)
  that carries the redirect URI, used once (a cache key), instead of social-core's session state.
- The pipeline steps below: link by GitHub user id (social-core's `social_user`), then by the
  *verified* primary e-mail, else create a user with a unique handle; fill `github_url`.

`users.services.github_*` call `authorize_url` / `complete`; nothing else imports social-core.
"""

import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework.exceptions import APIException
from social_core.backends.github import GithubOAuth2
from social_core.exceptions import AuthException, AuthProviderError
from social_django.models import DjangoStorage
from social_django.strategy import DjangoStrategy

from users.models import User

STATE_SALT = "users.github.oauth-state"
STATE_MAX_AGE = 600
PROVIDER = "github"


class GitHubOAuth2(GithubOAuth2):
    """GitHub's OAuth endpoints from GITHUB_OAUTH_URL and its API from GITHUB_API_URL (tests: a local server)."""

    name = PROVIDER

    def authorization_url(self) -> str:
        return f"{settings.GITHUB_OAUTH_URL}/login/oauth/authorize"

    def access_token_url(self) -> str:
        return f"{settings.GITHUB_OAUTH_URL}/login/oauth/access_token"

    def api_url(self) -> str:
        return settings.GITHUB_API_URL.rstrip("/") + "/"

    def get_key_and_secret(self) -> tuple[str, str]:
        return settings.GITHUB_OAUTH_CLIENT_ID, settings.GITHUB_OAUTH_CLIENT_SECRET

    def extra_data(self, user, uid, response, details, pipeline_kwargs):
        """Keep the GitHub id and login; never GitHub's access token (we need it for nothing)."""
        data = super().extra_data(user, uid, response, details, pipeline_kwargs)
        return {key: value for key, value in data.items() if key in {"id", "login", "auth_time"}}

    # --- a signed, single-use state instead of one kept in a server session -----------------

    def get_or_create_state(self) -> str:
        payload = {"redirect_uri": self.redirect_uri, "nonce": secrets.token_urlsafe(16)}
        return signing.dumps(payload, salt=STATE_SALT, compress=True)

    def validate_state(self) -> str:
        state = self.data.get("state")
        payload = read_state(state)
        if payload is None:
            raise GitHubLoginError({"state": ["The state is invalid or expired. Start the GitHub login again."]})
        if not cache.add(f"github-oauth-state:{payload['nonce']}", 1, timeout=STATE_MAX_AGE + 60):
            raise GitHubLoginError({"state": ["This state was already used. Start the GitHub login again."]})
        # The token exchange must name the redirect URI the authorization used.
        self.redirect_uri = payload["redirect_uri"]
        return state  # type: ignore[return-value]  # checked by read_state


class GitHubLoginError(ValidationError):
    """A 400 for the client: bad state or code, or an account that cannot be signed in."""


class GitHubUnavailable(APIException):
    status_code = 503
    default_detail = "GitHub could not be reached. Try again later."
    default_code = "github_unavailable"


def read_state(state) -> dict | None:
    if not isinstance(state, str) or not state or len(state) > 1000:
        return None
    try:
        payload = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("nonce"), str):
        return None
    return payload


class ApiStrategy(DjangoStrategy):
    """A strategy fed with the SPA's JSON body rather than a browser callback's query string."""

    def __init__(self, data: dict | None = None):
        super().__init__(DjangoStorage, request=None)
        self.api_data = dict(data or {})

    def get_request_data(self, merge=True):
        return self.api_data

    def absolute_uri(self, path=None):
        return path


def _backend(*, redirect_uri: str | None = None, data: dict | None = None) -> GitHubOAuth2:
    return GitHubOAuth2(ApiStrategy(data), redirect_uri=redirect_uri)


def authorize_url(*, redirect_uri: str) -> dict:
    """{"authorize_url", "state"} for a redirect URI from GITHUB_OAUTH_REDIRECT_URIS (checked by the caller)."""
    url = _backend(redirect_uri=redirect_uri).auth_url()
    return {"authorize_url": url, "state": parse_qs(urlsplit(url).query)["state"][0]}


def complete(*, code: str, state: str, user: User | None = None, reauthenticate: bool = False) -> User:
    """Run the code exchange and the linking pipeline; the signed-in or linked/created user.

    With `user`, the GitHub account is linked to that user (or, with `reauthenticate`, must already be).
    Raises GitHubLoginError (400) for anything the client got wrong or GitHub refused.
    """
    backend = _backend(data={"code": code, "state": state})
    kwargs: dict[str, Any] = {"reauthenticate": reauthenticate}
    if user is not None:
        kwargs["user"] = user
    try:
        result = backend.auth_complete(**kwargs)
    except AuthProviderError as exc:
        if getattr(exc, "code", None) in {"connection_failed", "timeout", "tls_error"}:
            raise GitHubUnavailable() from exc
        raise GitHubLoginError({"code": [f"GitHub refused the login: {exc}"]}) from exc
    except AuthException as exc:
        raise GitHubLoginError({"code": [f"GitHub refused the login: {exc}"]}) from exc
    if not isinstance(result, User):
        raise GitHubLoginError({"code": ["GitHub login failed."]})
    return result


# --- pipeline steps (settings.SOCIAL_AUTH_PIPELINE) -------------------------------------------


def verified_primary_email(response: dict) -> str | None:
    """The GitHub account's primary e-mail when GitHub says it is verified (from `/user/emails`)."""
    for entry in response.get("emails") or []:
        if isinstance(entry, dict) and entry.get("primary") and entry.get("verified") and entry.get("email"):
            return str(entry["email"]).strip()
    return None


def reauthenticate_only(backend, uid, user=None, reauthenticate=False, *args, **kwargs):
    """Re-authentication (erasing a password-less account) proves the link; it never links or creates."""
    if not reauthenticate:
        return None
    linked = backend.strategy.storage.user.get_social_auth(backend.name, uid)
    if user is None or linked is None or linked.user_id != user.pk:
        raise GitHubLoginError({"github_code": ["This GitHub account is not the one linked to your account."]})
    return user  # not a dict: the pipeline stops here and returns the user


def associate_by_verified_email(backend, details, response, user=None, *args, **kwargs):
    """An unlinked GitHub account joins the user whose e-mail is its *verified* primary address."""
    if user is not None:
        return None
    email = verified_primary_email(response)
    if not email:
        return None
    existing = User.objects.filter(email__iexact=email, is_active=True, erased_at__isnull=True).first()
    if existing is None:
        return None
    return {"user": existing, "is_new": False}


HANDLE_UNSAFE = re.compile(r"[^a-z0-9_-]+")


def unique_handle(login: str) -> str:
    base = HANDLE_UNSAFE.sub("-", (login or "").lower()).strip("-")[:30] or "github-user"
    base = base.ljust(3, "0")
    candidate, suffix = base, 1
    while User.objects.filter(handle__iexact=candidate).exists():
        suffix += 1
        tail = f"-{suffix}"
        candidate = base[: 30 - len(tail)] + tail
    return candidate


def create_user(backend, details, response, user=None, *args, **kwargs):
    """A new user for a GitHub account with a verified primary e-mail nobody here uses."""
    if user is not None:
        return None
    email = verified_primary_email(response)
    if not email:
        raise GitHubLoginError({"code": ["Your GitHub account has no verified primary e-mail address."]})
    if User.objects.filter(email__iexact=email).exists():  # an erased or deactivated account holds it
        raise GitHubLoginError({"code": ["This e-mail address belongs to an account that cannot sign in."]})
    login = str(response.get("login") or "")
    created = User.objects.create_user(
        email=email,
        password=None,  # unusable: GitHub is this account's way in until a password is set
        handle=unique_handle(login),
        name=str(response.get("name") or "")[:100],
        github_url=f"https://github.com/{login}"[:300] if login else "",
        email_verified=True,
    )
    return {"user": created, "is_new": True}


def fill_profile(backend, user, response, is_new=False, *args, **kwargs):
    """Fill what the user left empty: their GitHub page; a verified match also verifies our address."""
    changed = []
    login = str(response.get("login") or "")
    if login and not user.github_url:
        user.github_url = f"https://github.com/{login}"[:300]
        changed.append("github_url")
    email = verified_primary_email(response)
    if email and not user.email_verified and email.lower() == user.email.lower():
        user.email_verified = True
        changed.append("email_verified")
    if changed:
        user.save(update_fields=changed)
    return None
