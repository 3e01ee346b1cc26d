"""Imports racing each other, with real threads and separate connections on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from roles.models import Requirement, Role, RoleSkill, RoleVersion, Skill
from roles.services import role_import
from roles.tests.factories import role_document
from tests.concurrency import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks need PostgreSQL (set DATABASE_URL); SQLite serialises all writers",
    ),
]


def test_concurrent_imports_of_a_new_role_make_one_role_and_numbered_versions():
    def work(index: int) -> None:
        document = role_document(slug="raced", domains=3, skills_per_domain=4)
        # A family of its own each, so nothing else makes the imports take turns.
        document["family"] = {"slug": f"family-{index}", "name": f"Family {index}"}
        role_import(raw=document)

    errors = race(4, work)
    assert errors == []
    role = Role.objects.get(slug="raced")
    assert Role.objects.filter(slug="raced").count() == 1
    assert sorted(RoleVersion.objects.filter(role=role).values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
    ]
    assert role.current_version == 4
    assert RoleSkill.objects.filter(role=role).count() == 12
    assert Requirement.objects.filter(level__role=role).count() == 12 * 5 - 3  # 3 empty cells


def test_concurrent_imports_of_roles_sharing_skills_share_them():
    def work(index: int) -> None:
        document = role_document(slug=f"sharer-{index}", domains=2, skills_per_domain=5)
        document["family"] = {"slug": f"family-{index}", "name": f"Family {index}"}
        role_import(raw=document)

    errors = race(4, work)
    assert errors == []
    assert Role.objects.count() == 4
    assert Skill.objects.count() == 10  # one row per slug, whoever created it


def test_two_curators_saving_from_the_same_version_lose_nothing(seed_document):
    from roles.changes.types import SetRequirement
    from roles.errors import ChangeConflict
    from roles.services import role_change_apply

    role = role_import(raw=seed_document).role
    outcomes: dict[int, RoleVersion | ChangeConflict | None] = {}

    def save(index: int, level: str, code: str) -> None:
        try:
            outcomes[index] = role_change_apply(
                role=Role.objects.get(pk=role.pk),
                changes=[SetRequirement(skill="docker", level=level, code=code)],
                author=None,
                source="admin",
                base_version=1,
            )
        except ChangeConflict as exc:
            outcomes[index] = exc

    # The same cell from the same base version: one wins, the other is told, nothing reverts.
    errors = race(2, lambda i: save(i, "senior", ["W", "E"][i]))
    assert errors == []
    conflicts = [o for o in outcomes.values() if isinstance(o, ChangeConflict)]
    saved = [o for o in outcomes.values() if isinstance(o, RoleVersion)]
    assert len(conflicts) == 1
    assert len(saved) == 1
    assert conflicts[0].places == ["cell:docker:senior"]
    winner = saved[0].changes[0]["code"]
    cell = Requirement.objects.get(role_skill__skill__slug="docker", level__code="senior")
    assert cell.code == winner
    assert RoleVersion.objects.filter(role=role).count() == 2

    # Different cells from the same base version: both are saved, in two versions.
    outcomes.clear()
    errors = race(2, lambda i: save(i, ["lead", "principal"][i], "A"))
    assert errors == []
    assert all(isinstance(o, RoleVersion) for o in outcomes.values())
    assert sorted(o.number for o in outcomes.values() if isinstance(o, RoleVersion)) == [3, 4]
    codes = dict(
        Requirement.objects.filter(role_skill__skill__slug="docker").values_list(
            "level__code", "code"
        )
    )
    assert (codes["senior"], codes["lead"], codes["principal"]) == (winner, "A", "A")
