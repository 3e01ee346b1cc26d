"""Warming the role page's cache once a new version commits."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key

from roles.changes.types import SetRequirement
from roles.models import RoleVersion
from roles.pages import deploy_fingerprint, role_open_cells, role_page_warm
from roles.services import role_change_apply

pytestmark = pytest.mark.django_db

LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _page_key(role, language: str) -> str:
    role.refresh_from_db()
    parts = [role.pk, role.current_version, role.updated_at.isoformat(), language]
    # The stamp of the cells with open proposals keys the fragment too (issue 18).
    stamp = role_open_cells(role_id=role.pk).stamp
    return make_template_fragment_key("role_page", [*parts, deploy_fingerprint(), stamp])


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
    for number, language in enumerate(LANGUAGES):
        assert cache.get(_page_key(seed_role, language)) is not None, language
        # Each language's first visitor gets the cached page: no query of its matrix, only the
        # role's row for the very first request (then it is cached by slug too).
        with django_assert_num_queries(1 if number == 0 else 0):
            response = client.get(f"/roles/{seed_role.slug}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        assert response["Content-Language"] == language
        assert "Docker" in response.content.decode()


def test_warming_stores_exactly_what_a_visitors_request_would(seed_role, client):
    """The warmed entry is byte for byte the one a visitor's own request would have stored."""
    stored_by_visitors = {}
    for language in LANGUAGES:
        response = client.get(f"/roles/{seed_role.slug}/", HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        stored_by_visitors[language] = cache.get(_page_key(seed_role, language))
    cache.clear()

    assert role_page_warm(role_id=seed_role.pk, version=seed_role.current_version) == LANGUAGES
    for language in LANGUAGES:
        warmed = cache.get(_page_key(seed_role, language))
        assert warmed is not None, language
        assert warmed == stored_by_visitors[language], language
    # The languages differ, so the comparison above tells them apart.
    assert stored_by_visitors["en"] != stored_by_visitors["es"]


def test_warming_an_old_version_does_nothing(seed_role):
    assert role_page_warm(role_id=seed_role.pk, version=seed_role.current_version + 1) == []
    assert not cache.get(_page_key(seed_role, "en"))
    assert role_page_warm(role_id=seed_role.pk, version=seed_role.current_version) == ["en", "es"]
