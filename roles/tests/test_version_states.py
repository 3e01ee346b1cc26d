"""Versions' states kept in the process (roles.selectors.version_state_kept): one query for
many versions, none once kept, none kept across a role's change."""

from __future__ import annotations

import pytest

from roles.changes.types import SetRequirement
from roles.errors import RoleVersionNotFound
from roles.models import RoleVersion
from roles.selectors import role_version_state, role_version_states, version_state_kept
from roles.services import role_change_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(seed_role):
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="docker", level="senior", code="E")],
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    seed_role.refresh_from_db()
    version_state_kept.cache_clear()
    return seed_role


def test_many_versions_are_read_in_one_query_and_then_kept(two_versions, django_assert_num_queries):
    role = two_versions
    with django_assert_num_queries(1):
        states = role_version_states(versions=[(role, 1), (role, 2), (role, 1), (role, 9)])
    assert set(states) == {(role.pk, 1), (role.pk, 2)}  # no version 9
    assert states[(role.pk, 1)].cell("docker", "senior").code == "A"
    assert states[(role.pk, 2)].cell("docker", "senior").code == "E"
    with django_assert_num_queries(0):
        again = role_version_states(versions=[(role, 2), (role, 1)])
        one = role_version_state(role=role, number=1)
    assert again == states
    assert one is states[(role.pk, 1)]


def test_a_missing_version_is_refused(two_versions):
    with pytest.raises(RoleVersionNotFound):
        role_version_state(role=two_versions, number=3)


def test_the_least_recently_used_state_goes_first(
    two_versions, monkeypatch, django_assert_num_queries
):
    role = two_versions
    monkeypatch.setattr(version_state_kept, "maxsize", 1)
    role_version_states(versions=[(role, 1)])
    role_version_states(versions=[(role, 2)])
    with django_assert_num_queries(0):
        role_version_state(role=role, number=2)
    with django_assert_num_queries(1):
        role_version_state(role=role, number=1)
