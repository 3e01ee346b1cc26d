"""Warming the role page's cache once a new version commits."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key

from roles.changes.types import SetRequirement
from roles.models import RoleVersion
from roles.services import role_change_apply
from roles.views import deploy_fingerprint

pytestmark = pytest.mark.django_db


def _page_key(role, language: str) -> str:
    role.refresh_from_db()
    parts = [role.pk, role.current_version, role.updated_at.isoformat(), language]
    return make_template_fragment_key("role_page", [*parts, deploy_fingerprint()])


def test_a_new_version_warms_the_role_page_in_every_language(
    seed_role, django_capture_on_commit_callbacks, client, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        role_change_apply(
            role=seed_role,
            changes=[SetRequirement(skill="docker", level="senior", code="E")],
            author=None,
            source=RoleVersion.Source.ADMIN,
        )
    assert cache.get(_page_key(seed_role, "en")) is not None
    assert cache.get(_page_key(seed_role, "es")) is not None
    # The first visitor gets the cached page: the role's row, and no query of its matrix.
    with django_assert_num_queries(1):
        response = client.get(f"/roles/{seed_role.slug}/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Docker" in response.content.decode()


def test_warming_an_old_version_does_nothing(seed_role):
    from roles.views import role_page_warm

    assert role_page_warm(role_id=seed_role.pk, version=seed_role.current_version + 1) == []
    assert role_page_warm(role_id=seed_role.pk, version=seed_role.current_version) == ["en", "es"]
