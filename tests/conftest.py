import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from tests.factories import UserFactory

pytest_plugins = ["tests.room_cast"]


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and presence live in the cache: each test starts from zero."""
    cache.clear()
    yield
    cache.clear()


def access_token_for(user) -> str:
    return str(RefreshToken.for_user(user).access_token)


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token_for(user)}")
    return client


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def auth_client(user):
    return client_for(user)


@pytest.fixture
def make_client(db):
    """make_client(user) → an APIClient that sends that user's access token."""
    return client_for
