"""Fixtures shared by every app's tests: named personas and imported roles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

SEED_PATH = Path(__file__).parent / "roles" / "data" / "mlops-engineer.json"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches and closed circuits: cached roles and fragments are
    keyed by slug and primary key, which a rolled-back test database hands out again."""
    from django.core.cache import caches

    from roles.selectors import version_state_kept
    from skillsmatrix.cache import redis_state_reset

    version_state_kept.cache_clear()
    # The rate limits' cache too (its Redis part; a database fallback rolls back with the test).
    for alias in ("default", "ratelimit"):
        caches[alias].clear()
    yield
    for alias in ("default", "ratelimit"):
        caches[alias].clear()
    # Circuit breakers are per process: one test's outage must not open another's circuit.
    redis_state_reset()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language: a request in Spanish leaves it active
    in the thread (LocaleMiddleware activates a language and never deactivates it)."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _rate_limit_clock(monkeypatch):
    """The site's rate limits count in fixed windows: a test that straddled a window's end would
    see its counter start again. Their clock stands still mid-window while a test counts."""
    import types

    monkeypatch.setattr(
        "skillsmatrix.ratelimit.time", types.SimpleNamespace(time=lambda: 1_800_000_030.0)
    )


@pytest.fixture
def seed_document() -> dict[str, Any]:
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


@pytest.fixture
def seed_role(db, seed_document):
    """The bundled MLOps Engineer role, imported."""
    from roles.services import role_import

    return role_import(raw=seed_document).role


@pytest.fixture
def big_role(db):
    """A role three times the seed's size, for query budgets."""
    from roles.services import role_import
    from roles.tests.factories import big_role_document

    return role_import(raw=big_role_document()).role


@pytest.fixture
def member(django_user_model):
    return django_user_model.objects.create_user(username="member", password="pw-member-123")


@pytest.fixture
def verified_member(django_user_model):
    """A member whose email address is confirmed: may propose, vote and comment."""
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user(
        username="verified", email="verified@example.com", password="pw-verified-123"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def expert(django_user_model):
    return django_user_model.objects.create_user(username="expert", password="pw-expert-123")


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser(
        username="admin", email="admin@example.com", password="pw-admin-123"
    )
