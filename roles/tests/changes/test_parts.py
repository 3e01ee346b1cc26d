"""The change types of format v2's parts, on a v2 role (the worked example's engineer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from roles.changes.errors import ChangeError
from roles.changes.parts import PART_TYPES, SHARED_OPS
from roles.changes.state import Cell, Content, Link, Section
from roles.changes.types import apply_changes, changes_as_json, parse_changes
from roles.framework_document import role_states

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "harbour-works.framework.json"

ONE_OF_EACH: list[dict[str, Any]] = [
    {
        "op": "set_cell",
        "skill": "hw-testing",
        "level": "e1",
        "cell": {
            "code": "3",
            "mandatory": False,
            "summary": "Writes tests",
            "details": "With **care**.",
            "examples": ["A regression test"],
            "links": [{"title": "Guide", "url": "https://example.org/g"}],
        },
    },
    {"op": "set_level_field", "level": "em", "field": "track", "value": "ic"},
    {"op": "set_row", "skill": "hw-testing", "description": "Tests, for engineers."},
    {
        "op": "set_skill",
        "skill": "hw-operations",
        "scale": "proficiency",
        "steps": {"2": {"summary": "Reads dashboards"}},
        "domain": "delivery",
    },
    {
        "op": "set_scale",
        "scale": {
            "slug": "proficiency",
            "name": "Proficiency",
            "steps": [{"code": c, "name": f"Step {c}"} for c in "12345"],
        },
    },
    {"op": "set_track", "track": {"code": "manager", "name": "Managers"}},
    {"op": "set_domain", "domain": "craft", "name": "Craft", "description": "Making things."},
    {"op": "set_framework", "name": "Harbour Works", "source": {"licence": "CC0"}},
]


@pytest.fixture
def engineer():
    return role_states(EXAMPLE.read_bytes())[0]


def test_every_part_type_is_exercised():
    assert {change["op"] for change in ONE_OF_EACH} == {t.op for t in PART_TYPES}
    assert {t.op for t in PART_TYPES} > SHARED_OPS


def test_part_changes_parse_serialise_and_apply(engineer):
    changes = parse_changes(ONE_OF_EACH)
    assert parse_changes(json.loads(json.dumps(changes_as_json(changes)))) == changes
    state = apply_changes(engineer, changes).state
    assert state.cell("hw-testing", "e1") == Cell(
        code="3",
        mandatory=False,
        summary="Writes tests",
        details="With **care**.",
        examples=("A regression test",),
        links=(Link(title="Guide", url="https://example.org/g"),),
    )
    assert state.level("em").track == "ic"
    assert state.skill("hw-testing").row_description == "Tests, for engineers."
    operations = state.skill("hw-operations")
    assert (operations.home_domain, operations.steps) == (
        "delivery",
        {"2": Content(summary="Reads dashboards")},
    )
    assert state.scale("proficiency").step("4").name == "Step 4"
    assert state.track("manager").name == "Managers"
    assert state.domains["craft"].description == "Making things."
    assert (state.framework.name, dict(state.framework.source)) == (
        "Harbour Works",
        {"licence": "CC0"},
    )


def test_sections_rank_and_na(engineer):
    changes = parse_changes(
        [
            {"op": "set_level_field", "level": "e2", "field": "rank", "value": 7},
            {
                "op": "set_level_field",
                "level": "e2",
                "field": "sections",
                "value": [{"title": "Scope", "items": ["A team"]}],
            },
            {"op": "set_cell", "skill": "hw-coaching", "level": "senior", "cell": "n/a"},
        ]
    )
    state = apply_changes(engineer, changes).state
    assert state.level("e2").rank == 7
    assert state.level("e2").sections == (Section(title="Scope", items=("A team",)),)
    assert state.cell("hw-coaching", "senior").not_applicable


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (
            {"op": "set_cell", "skill": "hw-testing", "level": "e1", "cell": "E"},
            "changes[0].cell",
            "'E' is not a step of scale 'proficiency' (1, 2, 3, 4, 5)",
        ),
        (
            {"op": "set_level_field", "level": "em", "field": "track", "value": "nope"},
            "changes[0].value",
            "no track 'nope'",
        ),
        (
            {"op": "set_level_field", "level": "em", "field": "colour", "value": 1},
            "changes[0].field",
            "must be one of rank, track, sections",
        ),
        (
            {"op": "set_skill", "skill": "hw-testing", "scale": "nope"},
            "changes[0].scale",
            "no scale 'nope'",
        ),
        (
            {
                "op": "set_cell",
                "skill": "hw-testing",
                "level": "e1",
                "cell": {"links": [{"url": "javascript:x"}]},
            },
            "changes[0].cell.links[0].url",
            "must be an http(s) address",
        ),
        (
            {
                "op": "set_scale",
                "scale": {"slug": "awe", "name": "x", "steps": [{"code": "A", "name": "a"}]},
            },
            "changes[0].scale.slug",
            "built-in scale",
        ),
    ],
)
def test_bad_part_changes_name_the_change_and_field(engineer, change, path, words):
    with pytest.raises(ChangeError) as refused:
        apply_changes(engineer, parse_changes([change]))
    problem = refused.value.problems[0]
    assert problem.path == path
    assert words in problem.message


def test_a_scale_losing_a_step_its_cells_use_is_refused(engineer):
    shorter = {
        "op": "set_scale",
        "scale": {"slug": "proficiency", "name": "P", "steps": [{"code": "1", "name": "One"}]},
    }
    with pytest.raises(ChangeError, match="'2' is not a step of scale 'proficiency'"):
        apply_changes(engineer, parse_changes([shorter]))


def test_unused_shared_parts_are_trimmed_from_the_role(engineer):
    moved = parse_changes(
        [
            {"op": "set_level_field", "level": "em", "field": "track", "value": "ic"},
            {"op": "set_level_field", "level": "director", "field": "track", "value": "ic"},
        ]
    )
    assert [t.code for t in apply_changes(engineer, moved).state.tracks] == ["ic"]


def test_a_points_rule_naming_an_unknown_level_is_refused_in_words(engineer):
    rule = {"rule": "points", "thresholds": {"e1": 0, "nope": 5}}
    change = {"op": "set_role_field", "field": "grading", "value": rule}
    with pytest.raises(ChangeError) as refused:
        apply_changes(engineer, parse_changes([change]))
    assert refused.value.problems[0].message == "no level 'nope' in role 'hw-software-engineer'"
