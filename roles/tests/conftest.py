from __future__ import annotations

import pytest


@pytest.fixture
def admin_client(client, admin):
    """A client signed in as the ``admin`` persona (pytest-django's own makes another user)."""
    client.force_login(admin)
    return client
