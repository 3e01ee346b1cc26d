"""roles/changes/diff.py: how two states differ, previews, and the change list between two
states. Pure, so no database here."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from roles.changes.diff import CellDiff, FieldDiff, RoleDiff, changes_between, preview, role_diff
from roles.changes.state import Cell, LevelState, RoleState, SkillState
from roles.changes.types import (
    AddSkill,
    RemoveSkill,
    RenameDomain,
    RenameFamily,
    RenameSkill,
    SetCodeName,
    SetDetails,
    SetFocus,
    SetLevelName,
    SetRequirement,
    SetRoleField,
    SetStack,
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


# --- exact diffs and change lists, on a small role built by hand --------------------------------

JUNIOR = LevelState(code="junior", name="Junior", short="Jr")
SENIOR = LevelState(code="senior", name="Senior", short="Sr")
DOCKER = SkillState(
    slug="docker",
    name="Docker",
    domain="containers",
    cells={"junior": Cell(code="A"), "senior": Cell(code="W", details="Compose")},
)
PYTHON = SkillState(slug="python", name="Python", domain="languages")


def small_role(**overrides: Any) -> RoleState:
    values: dict[str, Any] = {
        "slug": "ops",
        "title": "Ops",
        "family": "eng",
        "family_name": "Engineering",
        "levels": (JUNIOR, SENIOR),
        "skills": (DOCKER, PYTHON),
        "domain_names": {"containers": "Containers", "languages": "Languages"},
    }
    return RoleState(**{**values, **overrides})


def test_role_diff_names_every_difference_exactly():
    old = small_role(key_domains=("Ops",), extensions={"$": {"x-a": 1}})
    new = small_role(
        title="Operations",
        key_domains=("Ops", "Cloud"),
        family_name="Engineers",
        code_names={"W": "Working"},
        levels=(replace(SENIOR, focus="Lead"), LevelState(code="lead", name="Lead", short="Ld")),
        skills=(
            SkillState(slug="go", name="Go", domain="languages"),
            replace(PYTHON, name="Python 3", cells={"senior": Cell(code="E")}),
            replace(DOCKER, cells={"senior": Cell(code="W", details="Swarm")}),
        ),
        domain_names={"containers": "Containers", "languages": "Programming"},
    )
    diff = role_diff(old, new)
    assert diff == RoleDiff(
        cells=(
            CellDiff(skill="python", level="senior", old=None, new=Cell(code="E")),
            CellDiff(
                skill="docker",
                level="senior",
                old=Cell(code="W", details="Compose"),
                new=Cell(code="W", details="Swarm"),
            ),
            CellDiff(skill="docker", level="junior", old=Cell(code="A"), new=None),
        ),
        skills_added=("go",),
        levels_added=("lead",),
        levels_removed=("junior",),
        levels=(FieldDiff(place="senior", field="focus", old="", new="Lead"),),
        role=(
            FieldDiff(place="role", field="title", old="Ops", new="Operations"),
            FieldDiff(place="role", field="key_domains", old=["Ops"], new=["Ops", "Cloud"]),
            FieldDiff(place="role", field="family", old="Engineering", new="Engineers"),
        ),
        skills=(FieldDiff(place="python", field="name", old="Python", new="Python 3"),),
        domains=(FieldDiff(place="languages", field="name", old="Languages", new="Programming"),),
        codes=(FieldDiff(place="W", field="name", old="Working knowledge", new="Working"),),
        extensions=("$",),
        layout_changed=True,
        level_order_changed=False,
    )
    assert [type(d.old) for d in diff.role] == [str, list, str]
    assert [type(d.new) for d in diff.role] == [str, list, str]
    assert diff.places() == [
        "cell:docker:junior",
        "cell:docker:senior",
        "cell:python:senior",
        "code:W",
        "domain:languages:name",
        "ext:$",
        "layout",
        "level:junior",
        "level:lead",
        "level:senior:focus",
        "role:family",
        "role:key_domains",
        "role:title",
        "skill:go",
        "skill:python:name",
    ]


def test_role_diff_of_a_reordered_ladder_and_a_removed_skill():
    new = small_role(
        levels=(SENIOR, JUNIOR), skills=(DOCKER,), domain_names={"containers": "Containers"}
    )
    diff = role_diff(small_role(), new)
    assert diff == RoleDiff(
        skills_removed=("python",),
        layout_changed=True,
        level_order_changed=True,
    )
    assert diff.places() == ["layout", "level-order", "skill:python"]
    assert role_diff(small_role(), small_role()) == RoleDiff()
    assert role_diff(small_role(), small_role()).places() == []


def test_preview_gives_the_state_after_the_changes():
    state = small_role()
    result = preview(state, [SetFocus(level="junior", text="Learn")])
    assert result.state == apply_changes(state, [SetFocus(level="junior", text="Learn")]).state
    assert result.noops == ()


def test_changes_between_lists_exactly_the_changes_needed():
    old = small_role()
    new = small_role(
        title="Operations",
        family_name="Engineers",
        code_names={"E": "Masters"},
        levels=(
            replace(JUNIOR, name="Beginner", focus="Learn", stack=("Bash",)),
            replace(SENIOR, short="S"),
        ),
        skills=(
            replace(
                DOCKER,
                name="Docker Engine",
                description="Containers",
                cells={"senior": Cell(code="E", details="Compose")},
            ),
            replace(
                PYTHON, cells={"junior": Cell(code="A"), "senior": Cell(code="W", details="Typing")}
            ),
            SkillState(
                slug="go",
                name="Go",
                description="Gophers",
                domain="languages",
                cells={"senior": Cell(code="W")},
            ),
        ),
        domain_names={"containers": "Containers", "languages": "Programming"},
    )
    changes = changes_between(old, new)
    assert changes == [
        SetRoleField(field="title", value="Operations"),
        RenameFamily(family="eng", name="Engineers"),
        SetCodeName(code="E", name="Masters"),
        SetLevelName(level="junior", name="Beginner", short="Jr"),
        SetFocus(level="junior", text="Learn"),
        SetStack(level="junior", items=("Bash",)),
        SetLevelName(level="senior", name="Senior", short="S"),
        RenameSkill(skill="docker", name="Docker Engine", description="Containers"),
        SetRequirement(skill="docker", level="junior", code=None),
        SetRequirement(skill="docker", level="senior", code="E", mandatory=True),
        SetRequirement(skill="python", level="junior", code="A", mandatory=True),
        SetRequirement(skill="python", level="senior", code="W", mandatory=True),
        SetDetails(skill="python", level="senior", text="Typing"),
        AddSkill(
            skill="go",
            domain="languages",
            requirements={"senior": Cell(code="W")},
            name="Go",
            description="Gophers",
            domain_name="Programming",
        ),
        RenameDomain(domain="languages", name="Programming"),
    ]
    assert apply_changes(old, changes).state == new


def test_a_new_family_is_a_role_field_not_a_rename_of_the_old_one():
    new = small_role(family="ops-family", family_name="Operations")
    assert changes_between(small_role(), new) == [SetRoleField(field="family", value="ops-family")]
