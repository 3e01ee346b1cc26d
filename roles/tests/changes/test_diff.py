"""roles/changes/diff.py: how two states differ, previews, and the change list between two
states. Pure, so no database here."""

from __future__ import annotations

import copy

from roles.changes.diff import changes_between, preview, role_diff
from roles.changes.state import Cell, RoleState
from roles.changes.types import (
    AddSkill,
    RemoveSkill,
    SetDetails,
    SetFocus,
    SetRequirement,
    apply_changes,
)
from roles.document import parse_role_document


def test_a_preview_of_changes_that_change_nothing_is_empty(seed_state):
    empty = preview(seed_state, [SetRequirement(skill="docker", level="senior", code="A")])
    assert not empty.diff
    assert empty.noops == (0,)


def test_preview_shows_old_and_new_for_every_touched_cell_level_and_skill(seed_state):
    result = preview(
        seed_state,
        [
            SetRequirement(skill="docker", level="senior", code="E"),
            SetFocus(level="lead", text="Lead the platform"),
            RemoveSkill(skill="redis"),
            AddSkill(skill="podman", domain="cloud-infrastructure", name="Podman"),
        ],
    )
    diff = result.diff
    assert [(c.skill, c.level, c.old, c.new) for c in diff.cells] == [
        ("docker", "senior", Cell(code="A"), Cell(code="E"))
    ]
    assert [(d.place, d.field, d.new) for d in diff.levels] == [
        ("lead", "focus", "Lead the platform")
    ]
    assert diff.skills_removed == ("redis",)
    assert diff.skills_added == ("podman",)
    assert set(diff.places()) >= {"cell:docker:senior", "skill:redis", "skill:podman"}
    # The state it started from is untouched (frozen dataclasses).
    assert seed_state.cell("docker", "senior") == Cell(code="A")


def test_changes_between_turns_one_state_into_the_other(seed_document, seed_state):
    other = copy.deepcopy(seed_document)
    other["levels"].reverse()
    other["levels"] = other["levels"][1:]  # principal gone
    other["domains"].reverse()
    other["domains"][0]["skills"].reverse()
    moved = other["domains"][1]["skills"].pop()
    other["domains"][2]["skills"].append(moved)
    other["domains"][3]["name"] = "Renamed Domain"
    other["domains"][3]["skills"][0]["requirements"]["junior"] = {
        "code": "E",
        "mandatory": False,
        "details": "Deep",
        "x-example": {"url": "https://example.com"},
    }
    other["domains"].append(
        {"name": "Brand New", "skills": [{"name": "Fresh", "requirements": {"senior": "W"}}]}
    )
    other["role"]["x-origin"] = "test"
    other["codes"] = [{"code": "A", "name": "Aware", "rank": 1}]
    for domain in other["domains"]:
        for skill in domain["skills"]:
            skill["requirements"].pop("principal", None)
    target = parse_role_document(other).to_state()
    changes = changes_between(seed_state, target)
    assert apply_changes(seed_state, changes).state == target
    assert changes_between(target, target) == []
    # And back again.
    assert apply_changes(target, changes_between(target, seed_state)).state == seed_state


def test_changes_between_an_empty_role_and_a_document_builds_it(seed_state):
    empty = RoleState(
        slug=seed_state.slug,
        title=seed_state.title,
        family=seed_state.family,
        family_name=seed_state.family_name,
    )
    changes = changes_between(empty, seed_state)
    assert apply_changes(empty, changes).state == seed_state


def test_places_of_a_change_meet_those_a_later_version_changed(seed_state):
    later = role_diff(
        seed_state,
        apply_changes(seed_state, [SetRequirement(skill="docker", level="senior", code="W")]).state,
    ).places()
    assert set(later) & SetRequirement(skill="docker", level="senior", code="E").places()
    assert not set(later) & SetRequirement(skill="docker", level="lead", code="E").places()
    removed = role_diff(
        seed_state, apply_changes(seed_state, [RemoveSkill(skill="docker")]).state
    ).places()
    assert set(removed) & SetDetails(skill="docker", level="lead", text="x").places()
