"""Test clients for a persona of the ``World``: a browser session (Django's ``Client``) or an API
client (DRF's ``APIClient``), authenticated without a request of their own; the persona
``"anonymous"`` is not authenticated at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.test import Client
from rest_framework.test import APIClient

if TYPE_CHECKING:
    from kitclinic.accounts.models import User
    from tests.support.personas import World

# ``force_login`` needs the backend named: the project configures more than one (axes first).
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ANONYMOUS = "anonymous"


def web_client(world: World, persona: str, **client_kwargs: object) -> Client:
    """A browser-session client logged in as ``persona``."""
    client = Client(**client_kwargs)
    if persona != ANONYMOUS:
        client.force_login(world.users[persona], backend=MODEL_BACKEND)
    return client


def api_client(world: World, persona: str, **client_kwargs: object) -> APIClient:
    """An API client authenticated as ``persona`` (``force_authenticate``: no session, no token)."""
    client = APIClient(**client_kwargs)
    if persona != ANONYMOUS:
        client.force_authenticate(world.users[persona])
    return client


def token_client(user: User, **client_kwargs: object) -> APIClient:
    """An API client sending a new API token of ``user`` (made through the service), as an
    integration does."""
    from tests.factories import api_token_for

    client = APIClient(**client_kwargs)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(user)}")
    return client
