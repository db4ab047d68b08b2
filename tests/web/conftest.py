from __future__ import annotations

import pytest
from django.test import Client

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def login(world):
    """``login(persona)``: a test client logged in as that persona (``"anonymous"``: not at all)."""

    def make(persona: str, **client_kwargs: object) -> Client:
        client = Client(**client_kwargs)
        if persona != "anonymous":
            client.force_login(world.users[persona], backend=MODEL_BACKEND)
        return client

    return make
