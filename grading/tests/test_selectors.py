"""Sheets from live matrices and snapshots, the cache, and grading the seed role (DESIGN §5)."""

from __future__ import annotations

import pytest

from grading.selectors import (
    grade_ratings,
    grading_sheet_for_version,
    grading_sheet_from_document,
    grading_sheet_from_matrix,
    grading_sheet_get,
)
from roles.changes.types import SetRequirement
from roles.models import RoleVersion
from roles.selectors import role_matrix_for
from roles.services import role_change_apply, role_import
from roles.tests.factories import role_document


def _all(sheet, code):
    return {skill.slug: code for skill in sheet.skills}


@pytest.mark.django_db
@pytest.mark.parametrize("fixture", ["seed_role", "big_role"])
def test_a_sheet_from_the_live_matrix_equals_the_sheet_of_its_snapshot(request, fixture):
    role = request.getfixturevalue(fixture)
    snapshot = RoleVersion.objects.get(role=role, number=role.current_version).snapshot

    live = grading_sheet_from_matrix(role_matrix_for(role))

    assert live == grading_sheet_from_document(snapshot)
    assert len(live.skills) == {"seed_role": 56, "big_role": 168}[fixture]


def test_a_generated_role_with_optional_and_empty_cells_keeps_them(db):
    role = role_import(raw=role_document(levels=3)).role

    sheet = grading_sheet_get(role=role)

    cells = {(skill.slug, cell.level): cell for skill in sheet.skills for cell in skill.cells}
    assert cells[("skill-0-1", "l1")].code is None  # an empty cell
    assert cells[("skill-0-2", "l1")].mandatory is False  # an optional cell
    assert cells[("skill-0-0", "l2")].code == "W"
    assert sheet.level("l3").name == "Level 3"


def test_the_current_sheet_is_cached_per_version(seed_role, django_assert_num_queries):
    with django_assert_num_queries(1):  # the current version's snapshot
        first = grading_sheet_get(role=seed_role)
    with django_assert_num_queries(0):
        assert grading_sheet_get(role=seed_role) == first

    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="github-copilot", level="junior", code="E")],
        author=None,
        source="admin",
    )
    seed_role.refresh_from_db()
    changed = grading_sheet_get(role=seed_role)

    assert changed != first
    assert changed.skills[0].cells[0].code == "E"


def test_an_old_version_keeps_grading_as_it_did(seed_role):
    ratings = _all(grading_sheet_get(role=seed_role), "A")
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="github-copilot", level="junior", code="E")],
        author=None,
        source="admin",
    )
    seed_role.refresh_from_db()

    old = grading_sheet_for_version(role=seed_role, number=1)
    current = grading_sheet_get(role=seed_role)
    assert old is not None

    assert grade_ratings(sheet=old, ratings=ratings).grade == "junior"
    assert grade_ratings(sheet=current, ratings=ratings).grade is None
    assert grading_sheet_for_version(role=seed_role, number=99) is None


# --- The seed role: every level asks every skill (A, W, A, E, E), all mandatory ---------------


def test_seed_without_ratings_is_below_junior_with_every_junior_cell_as_a_gap(seed_role):
    sheet = grading_sheet_get(role=seed_role)

    result = grade_ratings(sheet=sheet, ratings={})

    assert result.grade is None
    assert result.next_level == "junior"
    assert len(result.gaps) == 56
    assert {(gap.code, gap.steps) for gap in result.gaps} == {("A", 1)}
    # Same steps and all mandatory: domain order, then skill order, as the role lists them.
    assert [gap.skill for gap in result.gaps] == [skill.slug for skill in sheet.skills]


def test_seed_awareness_everywhere_is_junior_with_middle_next(seed_role):
    sheet = grading_sheet_get(role=seed_role)

    result = grade_ratings(sheet=sheet, ratings=_all(sheet, "A"))

    assert result.grade == "junior"
    assert result.next_level == "middle"
    assert [level.met for level in result.levels] == [True, False, True, False, False]
    assert [level.coverage for level in result.levels] == [1.0, 0.0, 1.0, 0.0, 0.0]
    assert {(gap.code, gap.rating_code, gap.steps) for gap in result.gaps} == {("W", "A", 1)}


def test_seed_working_knowledge_everywhere_is_senior_with_lead_next(seed_role):
    sheet = grading_sheet_get(role=seed_role)

    result = grade_ratings(sheet=sheet, ratings=_all(sheet, "W"))

    assert result.grade == "senior"
    assert result.next_level == "lead"
    assert len(result.gaps) == 56


def test_seed_one_missing_skill_puts_it_first_among_the_gaps(seed_role):
    sheet = grading_sheet_get(role=seed_role)
    ratings = _all(sheet, "W")
    ratings["kubernetes"] = "E"
    del ratings["github-copilot"]

    result = grade_ratings(sheet=sheet, ratings=ratings)

    assert result.grade is None
    assert [gap.skill for gap in result.gaps] == ["github-copilot"]
    # Middle asks W of it: two steps from nothing.
    assert result.levels[1].mandatory_unmet[0].steps == 2


def test_seed_expert_everywhere_is_at_the_top(seed_role):
    sheet = grading_sheet_get(role=seed_role)

    result = grade_ratings(sheet=sheet, ratings=_all(sheet, "E"))

    assert result.grade == "principal"
    assert result.at_top
    assert result.gaps == ()
