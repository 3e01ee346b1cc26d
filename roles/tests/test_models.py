from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from roles.models import Level, Requirement, RoleSkill, RoleVersion
from roles.tests.factories import (
    LevelFactory,
    RequirementFactory,
    RoleFactory,
    RoleSkillFactory,
)

pytestmark = pytest.mark.django_db


def _refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_a_cell_holds_one_requirement():
    requirement = RequirementFactory()
    assert _refused(
        lambda: Requirement.objects.create(
            role_skill=requirement.role_skill, level=requirement.level, code="E"
        )
    )


@pytest.mark.parametrize(
    ("fields", "allowed"),
    [
        ({"code": "A"}, True),
        ({"code": "n/a"}, True),
        ({"code": "", "summary": "Content only"}, True),
        ({"code": "n/a", "details": "Does not apply, but says why"}, False),
        ({"code": "n/a", "summary": "x"}, False),
    ],
)
def test_a_cell_that_does_not_apply_says_nothing_else(fields, allowed):
    # Which codes a cell may hold depends on its skill's scale (data, checked by the change
    # machinery); the database keeps an n/a cell bare.
    role_skill = RoleSkillFactory()
    level = LevelFactory(role=role_skill.role)
    # bulk_create skips model validation, so only the database constraint stands in the way.
    created = not _refused(
        lambda: Requirement.objects.bulk_create(
            [Requirement(role_skill=role_skill, level=level, **fields)]
        )
    )
    assert created is allowed


def test_level_order_and_code_are_unique_per_role():
    level = LevelFactory(order=0, code="junior")
    assert _refused(
        lambda: Level.objects.create(
            role=level.role, code="other", name="Other", short_name="O", order=0
        )
    )
    assert _refused(
        lambda: Level.objects.create(
            role=level.role, code="junior", name="Other", short_name="O", order=1
        )
    )
    # Another role may reuse both.
    assert not _refused(lambda: LevelFactory(order=0, code="junior"))


def test_a_skill_appears_once_per_role():
    role_skill = RoleSkillFactory()
    assert _refused(
        lambda: RoleSkill.objects.create(
            role=role_skill.role, skill=role_skill.skill, domain=role_skill.domain, order=99
        )
    )


def test_version_numbers_are_unique_and_positive():
    role = RoleFactory()
    RoleVersion.objects.create(role=role, number=1, snapshot={}, source="import")
    assert _refused(
        lambda: RoleVersion.objects.create(role=role, number=1, snapshot={}, source="import")
    )
    assert _refused(
        lambda: RoleVersion.objects.create(role=role, number=0, snapshot={}, source="import")
    )


def test_skills_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    role_skill = RoleSkillFactory.create()
    with pytest.raises(ProtectedError):
        role_skill.skill.delete()
