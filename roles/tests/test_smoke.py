from __future__ import annotations

import pytest

from roles.models import Requirement, RoleSkill


@pytest.mark.django_db
def test_seed_imports(seed_role):
    assert RoleSkill.objects.filter(role=seed_role).count() == 56
    assert Requirement.objects.filter(level__role=seed_role).count() == 280


@pytest.mark.django_db
def test_big_role_imports(big_role):
    assert RoleSkill.objects.filter(role=big_role).count() == 168
