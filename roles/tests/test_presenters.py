from __future__ import annotations

import pytest

from roles.changes.diff import role_diff
from roles.changes.state import RoleState
from roles.changes.types import AddSkill, RemoveLevel, RemoveSkill, SetRequirement, apply_changes
from roles.document import parse_role_document
from roles.models import Level, Role, RoleVersion
from roles.presenters import (
    RoleComparison,
    comparison_domains,
    framework_band,
    role_matrix_drops,
    role_matrix_stats,
    state_domains,
    text_excerpt,
)
from roles.selectors import role_matrix_get
from roles.services import role_import
from roles.tests.factories import role_document

pytestmark = pytest.mark.django_db


def test_drops_of_the_seed_are_middle_w_to_senior_a_for_every_skill(seed_role):
    matrix = role_matrix_get(slug=seed_role.slug)

    drops = role_matrix_drops(matrix)

    assert len(drops) == 56
    assert {(d.from_level.code, d.to_level.code, d.from_code, d.to_code) for d in drops} == {
        ("middle", "senior", "W", "A")
    }
    assert drops[0].skill.name == "GitHub Copilot"
    assert drops[0].domain.name == "AI-Assisted Development"


def test_drops_count_an_emptied_cell_and_ignore_rises_and_plateaus(db):
    document = role_document(domains=1, skills_per_domain=1, levels=4)
    skill = document["domains"][0]["skills"][0]
    skill["requirements"] = {"l1": "A", "l2": "E", "l3": None, "l4": "E"}
    role = role_import(raw=document).role

    drops = role_matrix_drops(role_matrix_get(slug=role.slug))

    assert [(d.from_level.code, d.to_level.code, d.from_code, d.to_code) for d in drops] == [
        ("l2", "l3", "E", None)
    ]


def test_drops_are_none_on_a_rising_ladder(db):
    role = role_import(raw=role_document(domains=2, skills_per_domain=2)).role

    assert role_matrix_drops(role_matrix_get(slug=role.slug)) == []


def test_stats_are_computed_from_the_seed(seed_role):
    stats = role_matrix_stats(role_matrix_get(slug=seed_role.slug))

    assert stats.skill_count == 56
    assert stats.level_count == 5
    assert stats.domain_count == 13
    assert stats.requirement_count == 280
    assert stats.mandatory_count == 280
    assert stats.optional_count == 0
    assert stats.empty_count == 0
    assert (stats.first_level.name, stats.last_level.name) == ("Junior", "Principal")
    # Stack items appear once, in ladder order ("Python" is listed at two levels).
    assert stats.stack_items[:3] == ["Python", "MLflow", "DVC"]
    assert stats.stack_items.count("Python") == 1


def test_stats_count_optional_and_empty_cells(db):
    role = role_import(raw=role_document(domains=1, skills_per_domain=5, levels=5)).role

    stats = role_matrix_stats(role_matrix_get(slug=role.slug))

    # The generator empties the first cell of skill 1 and makes every cell of skill 2 optional.
    assert stats.requirement_count == 24
    assert stats.empty_count == 1
    assert stats.optional_count == 5
    assert stats.mandatory_count == 19


@pytest.fixture
def seed_state(seed_document) -> RoleState:
    return parse_role_document(seed_document).to_state()


def test_state_domains_group_a_versions_skills_in_the_roles_order(seed_state):
    domains = state_domains(seed_state)

    assert len(domains) == 13
    assert sum(len(domain.rows) for domain in domains) == 56
    first = domains[0].rows[0]
    assert (domains[0].name, first.skill.name) == ("AI-Assisted Development", "GitHub Copilot")
    assert [level.code for level, _cell in first.cells] == [
        "junior",
        "middle",
        "senior",
        "lead",
        "principal",
    ]
    assert [cell.code for _level, cell in first.cells] == [
        seed_state.cell(first.skill.slug, level.code).code for level in seed_state.levels
    ]


def test_state_domains_leave_an_empty_cell_empty(seed_state):
    emptied = apply_changes(
        seed_state, [SetRequirement(skill="docker", level="senior", code=None)]
    ).state

    row = next(
        row
        for domain in state_domains(emptied)
        for row in domain.rows
        if row.skill.slug == "docker"
    )

    assert {level.code: cell for level, cell in row.cells}["senior"] is None


def _comparison(old: RoleState, new: RoleState) -> RoleComparison:
    return RoleComparison(
        role=Role(slug=new.slug),
        old_version=RoleVersion(number=1),
        new_version=RoleVersion(number=2),
        old=old,
        new=new,
        diff=role_diff(old, new),
    )


def test_comparison_domains_show_only_skills_in_both_with_a_changed_cell(seed_state):
    new = apply_changes(
        seed_state,
        [
            SetRequirement(skill="docker", level="senior", code="E"),
            AddSkill(skill="podman", name="Podman", domain="cloud-infrastructure"),
            RemoveSkill(skill="redis"),
        ],
    ).state

    domains = comparison_domains(_comparison(seed_state, new))

    assert [[row.skill.slug for row in domain.rows] for domain in domains] == [["docker"]]
    changed = [cell for cell in domains[0].rows[0].cells if cell.changed]
    assert [(c.level.code, c.old.code, c.new.code) for c in changed] == [("senior", "A", "E")]


def test_comparison_domains_keep_a_removed_levels_cells_after_the_newer_levels(seed_state):
    new = apply_changes(seed_state, [RemoveLevel(level="principal")]).state

    domains = comparison_domains(_comparison(seed_state, new))

    docker = next(row for domain in domains for row in domain.rows if row.skill.slug == "docker")
    assert [cell.level.code for cell in docker.cells][-1] == "principal"
    assert docker.cells[-1].new is None
    assert docker.cells[-1].old == seed_state.cell("docker", "principal")


def _unsaved_role(pk: int, title: str) -> Role:
    return Role(pk=pk, title=title, slug=f"role-{pk}")


def _unsaved_level(role: Role, code: str, rank: int | None) -> Level:
    return Level(role_id=role.pk, code=code, name=f"{role.title} {code}", rank=rank)


def test_the_band_puts_levels_by_rank_and_leaves_out_roles_without_ranks():
    first, second, unranked = (
        _unsaved_role(1, "First"),
        _unsaved_role(2, "Second"),
        _unsaved_role(3, "Unranked"),
    )
    levels = [
        _unsaved_level(first, "a", 1),
        _unsaved_level(first, "b", 3),
        _unsaved_level(first, "c", 3),
        _unsaved_level(second, "x", 3),
        _unsaved_level(second, "y", None),
        _unsaved_level(unranked, "z", None),
    ]

    band = framework_band([first, second, unranked], levels)

    assert band.roles == [first, second]
    assert [row.rank for row in band.rows] == [1, 3]
    assert [[level.code for level in cell] for cell in band.rows[0].cells] == [["a"], []]
    assert [[level.code for level in cell] for cell in band.rows[1].cells] == [["b", "c"], ["x"]]
    assert band.unranked == 2


def test_a_band_of_unranked_levels_is_empty():
    role = _unsaved_role(1, "Only")
    band = framework_band([role], [_unsaved_level(role, "a", None)])
    assert (band.roles, band.rows, band.unranked) == ([], [], 1)


@pytest.mark.parametrize(
    ("text", "excerpt"),
    [
        ("One line.\n\n- then a list", "One line."),
        ("\n\n  First\r\nparagraph  \r\n\r\nsecond", "First paragraph"),
        ("", ""),
    ],
)
def test_text_excerpt_is_the_first_paragraph_on_one_line(text, excerpt):
    assert text_excerpt(text) == excerpt
