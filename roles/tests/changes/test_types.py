"""roles/changes/types.py: the change types, their JSON form and how a list applies. Pure, so
no database here."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from roles.changes.base import Change
from roles.changes.errors import ChangeError, ChangeProblem
from roles.changes.parts import PART_TYPES
from roles.changes.state import ROLE_FIELDS, Cell, LevelState, RoleState, SkillState
from roles.changes.types import (
    CHANGE_TYPES,
    PROPOSAL_OPS,
    AddLevel,
    AddSkill,
    RemoveLevel,
    RemoveSkill,
    RenameDomain,
    RenameFamily,
    RenameSkill,
    SetCodeName,
    SetDetails,
    SetExtension,
    SetFocus,
    SetLayout,
    SetLevelName,
    SetLevelOrder,
    SetRequirement,
    SetRoleField,
    SetStack,
    apply_changes,
    changes_as_json,
    parse_changes,
)

ONE_OF_EACH = [
    SetRequirement(skill="docker", level="senior", code="E", mandatory=False),
    SetRequirement(skill="redis", level="junior", code=None),
    SetDetails(skill="docker", level="senior", text="Multi-stage builds"),
    AddSkill(
        skill="podman",
        domain="containers",
        name="Podman",
        domain_name="Containers",
        requirements={"junior": Cell(code="A"), "lead": Cell(code="W", mandatory=False)},
    ),
    RemoveSkill(skill="cursor-ide"),
    SetFocus(level="junior", text="Learn"),
    SetStack(level="junior", items=("Python", "Podman")),
    SetLevelName(level="lead", name="Staff", short="Stf"),
    AddLevel(level="distinguished", name="Distinguished", short="Dist"),
    SetLevelOrder(levels=("junior", "middle", "senior", "lead", "distinguished", "principal")),
    RemoveLevel(level="distinguished"),
    SetRoleField(field="title", value="MLOps Engineer II"),
    SetRoleField(field="key_domains", value=("Backend Development",)),
    SetRoleField(field="is_published", value=False),
    RenameSkill(skill="docker", name="Docker Engine", description="Containers"),
    RenameDomain(domain="containers", name="Containers and more"),
    RenameFamily(family="ml-ai-engineering", name="ML"),
    SetCodeName(code="E", name="Masters"),
    SetExtension(place="skill:docker", data={"x-weight": 3}),
]


def test_every_change_type_is_exercised():
    # Format v2's parts are exercised on a v2 role in test_parts.py.
    parts = {change_type.op for change_type in PART_TYPES}
    assert {type(change).op for change in ONE_OF_EACH} | {"set_layout"} | parts == set(CHANGE_TYPES)
    assert set(CHANGE_TYPES) >= PROPOSAL_OPS


def test_changes_serialise_to_json_and_parse_back_equal(seed_state):
    text = json.dumps(changes_as_json(ONE_OF_EACH))
    parsed = parse_changes(json.loads(text))
    assert parsed == ONE_OF_EACH
    assert changes_as_json(parsed)[0] == {
        "op": "set_requirement",
        "skill": "docker",
        "level": "senior",
        "code": "E",
        "mandatory": False,
    }
    # And the whole list applies to the seed.
    state = apply_changes(seed_state, parsed).state
    assert state.title == "MLOps Engineer II"
    assert state.cell("docker", "senior") == Cell(
        code="E", mandatory=False, details="Multi-stage builds"
    )
    assert state.skill("podman").domain == "containers"
    assert state.level("lead").name == "Staff"
    assert state.code_name("E") == "Masters"
    assert state.extensions["skill:docker"] == {"x-weight": 3}


def test_add_skill_accepts_the_name_and_domain_form():
    [change] = parse_changes(
        [
            {
                "op": "add_skill",
                "skill": {"name": "Vector Databases", "domain": "Data Stores"},
                "requirements": {"senior": "W", "lead": {"code": "E", "mandatory": False}},
            }
        ]
    )
    assert change == AddSkill(
        skill="vector-databases",
        name="Vector Databases",
        domain="data-stores",
        domain_name="Data Stores",
        requirements={"senior": Cell(code="W"), "lead": Cell(code="E", mandatory=False)},
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "changes: must be an array, not an object"),
        ([1], "changes[0]: must be an object, not a number"),
        ([{"op": "explode"}], "changes[0].op: must be one of"),
        (
            [{"op": "set_requirement", "skill": "docker", "level": "senior"}],
            "changes[0].code: is missing",
        ),
        (
            [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "Q"}],
            "changes[0].code: must be one of A, W, E or null, not 'Q'",
        ),
        (
            [{"op": "set_focus", "level": "Senior Level", "text": "x"}],
            "changes[0].level: must be a slug",
        ),
        (
            [{"op": "set_stack", "level": "senior", "items": ["a", ""]}],
            "changes[0].items[1]: must be a non-empty string",
        ),
        (
            [{"op": "remove_skill", "skill": "docker", "why": "old"}],
            "changes[0].why: unknown field for remove_skill",
        ),
        (
            [{"op": "set_role_field", "field": "current_version", "value": 9}],
            "changes[0].field: must be one of",
        ),
    ],
)
def test_parse_names_the_change_and_field(data, problem):
    with pytest.raises(ChangeError) as caught:
        parse_changes(data)
    assert str(caught.value.problems[0]).startswith(problem)


def test_parse_can_restrict_to_what_proposals_may_carry():
    with pytest.raises(ChangeError, match=r"changes\[0\]\.op"):
        parse_changes(
            [{"op": "rename_skill", "skill": "x", "name": "X", "description": ""}],
            allowed=PROPOSAL_OPS,
        )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            SetRequirement(skill="docker", level="staff", code="E"),
            "changes[2].level: no level 'staff' in role 'mlops-engineer'",
        ),
        (
            SetRequirement(skill="kafka", level="senior", code="E"),
            "changes[2].skill: no skill 'kafka' in role 'mlops-engineer'",
        ),
        (
            AddSkill(skill="docker", domain="containers", name="Docker"),
            "changes[2].skill: role 'mlops-engineer' already has the skill 'docker'",
        ),
        (
            AddSkill(skill="kafka", domain="queues", name="Kafka"),
            "changes[2].domain_name: no domain 'queues' exists: give its name",
        ),
        (
            RemoveSkill(skill="cursor-ide"),  # removed by changes[1] already
            "changes[2].skill: no skill 'cursor-ide' in role 'mlops-engineer'",
        ),
        (
            SetLevelOrder(levels=("junior", "middle")),
            "changes[2].levels: must list every level of the role exactly once",
        ),
        (
            SetExtension(place="skill:kafka", data={"x-a": 1}),
            "changes[2].place: no place 'skill:kafka' in role 'mlops-engineer'",
        ),
    ],
)
def test_validation_names_the_change_and_field(seed_state, change, problem):
    changes = [
        SetRequirement(skill="docker", level="junior", code="E"),
        RemoveSkill(skill="cursor-ide"),
        change,
    ]
    with pytest.raises(ChangeError) as caught:
        apply_changes(seed_state, changes)
    assert [str(p) for p in caught.value.problems] == [problem]


def test_a_change_that_makes_no_difference_is_reported(seed_state):
    docker_senior = seed_state.cell("docker", "senior")
    assert docker_senior == Cell(code="A")
    applied = apply_changes(
        seed_state,
        [
            SetRequirement(skill="docker", level="senior", code="A"),  # already A
            SetRequirement(skill="docker", level="lead", code="W"),
            SetRequirement(skill="docker", level="lead", code="W"),  # same as the one before
        ],
    )
    assert applied.noops == (0, 2)


def test_layout_change_moves_a_skill_between_domains(seed_state):
    layout = list(seed_state.layout())
    domain, skills = layout[0]
    layout[1] = (layout[1][0], (*layout[1][1], skills[0]))
    layout[0] = (domain, skills[1:])
    change = SetLayout(domains=tuple(layout))
    state = apply_changes(seed_state, [change]).state
    assert state.skill(skills[0]).domain == layout[1][0]
    assert parse_changes(changes_as_json([change])) == [change]


# --- how each change applies, on a small role built by hand ------------------------------------

JUNIOR = LevelState(code="junior", name="Junior", short="Jr")
SENIOR = LevelState(code="senior", name="Senior", short="Sr")
DOCKER = SkillState(
    slug="docker",
    name="Docker",
    domain="containers",
    cells={"junior": Cell(code="A"), "senior": Cell(code="W", details="Compose")},
)
K8S = SkillState(slug="k8s", name="Kubernetes", domain="containers")
PYTHON = SkillState(
    slug="python", name="Python", domain="languages", cells={"senior": Cell(code="E")}
)


def small_role(**overrides: Any) -> RoleState:
    values: dict[str, Any] = {
        "slug": "ops",
        "title": "Ops",
        "family": "eng",
        "family_name": "Engineering",
        "levels": (JUNIOR, SENIOR),
        "skills": (DOCKER, K8S, PYTHON),
        "domain_names": {"containers": "Containers", "languages": "Languages"},
    }
    return RoleState(**{**values, **overrides})


def problems_of(state: RoleState, *changes: Change) -> list[ChangeProblem]:
    with pytest.raises(ChangeError) as caught:
        apply_changes(state, changes)
    return caught.value.problems


def applied(state: RoleState, *changes: Change) -> RoleState:
    return apply_changes(state, changes).state


def test_apply_names_every_change_that_cannot_apply_not_only_the_first():
    assert problems_of(
        small_role(),
        RemoveSkill(skill="kafka"),
        SetFocus(level="junior", text="ok"),
        SetFocus(level="staff", text="x"),
    ) == [
        ChangeProblem("changes[0].skill", "unknown_skill", {"skill": "kafka", "role": "ops"}),
        ChangeProblem("changes[2].level", "unknown_level", {"level": "staff", "role": "ops"}),
    ]


def test_emptying_a_cell_drops_its_extension_and_only_its_own():
    state = small_role(
        extensions={"cell:docker:junior": {"x-a": 1}, "cell:docker:senior": {"x-b": 2}}
    )
    after = applied(state, SetRequirement(skill="docker", level="junior", code=None))
    assert after.skill("docker").cells == {"senior": Cell(code="W", details="Compose")}
    assert after.extensions == {"cell:docker:senior": {"x-b": 2}}
    # Setting a cell keeps its extension.
    kept = applied(state, SetRequirement(skill="docker", level="junior", code="E"))
    assert kept.extensions == state.extensions


def test_emptying_an_empty_cell_changes_nothing():
    state = small_role()
    result = apply_changes(state, [SetRequirement(skill="k8s", level="junior", code=None)])
    assert result.state == state
    assert result.noops == (0,)


def test_set_requirement_keeps_the_cells_details_and_ladder_order():
    after = applied(
        small_role(),
        SetRequirement(skill="k8s", level="senior", code="W"),
        SetRequirement(skill="k8s", level="junior", code="A", mandatory=False),
        SetRequirement(skill="docker", level="senior", code="E", mandatory=False),
    )
    assert after.skill("docker").cells["senior"] == Cell(
        code="E", mandatory=False, details="Compose"
    )
    assert list(after.skill("k8s").cells.items()) == [
        ("junior", Cell(code="A", mandatory=False)),
        ("senior", Cell(code="W")),
    ]


def test_details_of_an_empty_cell_cannot_be_set():
    assert problems_of(small_role(), SetDetails(skill="k8s", level="senior", text="x")) == [
        ChangeProblem("changes[0].level", "empty_cell", {"skill": "k8s", "level": "senior"})
    ]
    after = applied(small_role(), SetDetails(skill="docker", level="junior", text="Run"))
    assert after.skill("docker").cells["junior"] == Cell(code="A", details="Run")


def test_add_skill_checks_its_levels_and_name():
    assert problems_of(
        small_role(),
        AddSkill(
            skill="podman",
            domain="containers",
            name="Podman",
            requirements={"staff": Cell(code="A")},
        ),
        AddSkill(skill="podman", domain="containers"),
    ) == [
        ChangeProblem(
            "changes[0].requirements.staff", "unknown_level", {"level": "staff", "role": "ops"}
        ),
        ChangeProblem("changes[1].name", "skill_unnamed", {"skill": "podman"}),
    ]


def test_add_skill_goes_at_the_end_of_its_domain_or_last_in_a_new_one():
    after = applied(
        small_role(),
        AddSkill(
            skill="podman",
            domain="containers",
            name="Podman",
            description="Daemonless",
            requirements={"senior": Cell(code="W"), "junior": Cell(code="A")},
        ),
        AddSkill(skill="redis", domain="stores", name="Redis", domain_name="Stores"),
    )
    assert [s.slug for s in after.skills] == ["docker", "k8s", "podman", "python", "redis"]
    assert after.skill("podman") == SkillState(
        slug="podman",
        name="Podman",
        description="Daemonless",
        domain="containers",
        cells={"junior": Cell(code="A"), "senior": Cell(code="W")},
    )
    assert list(after.skill("podman").cells) == ["junior", "senior"]
    assert after.domain_names == {
        "containers": "Containers",
        "languages": "Languages",
        "stores": "Stores",
    }


def test_removing_a_domains_last_skill_drops_the_domain_and_their_extensions():
    state = small_role(
        extensions={
            "skill:python": {"x-a": 1},
            "cell:python:senior": {"x-b": 2},
            "domain:languages": {"x-c": 3},
            "domain:containers": {"x-d": 4},
        }
    )
    after = applied(state, RemoveSkill(skill="python"))
    assert after.domain_names == {"containers": "Containers"}
    assert after.extensions == {"domain:containers": {"x-d": 4}}
    # A domain that keeps a skill keeps its extension.
    kept = applied(state, RemoveSkill(skill="k8s"))
    assert kept.domain_names == state.domain_names
    assert kept.extensions == state.extensions


def test_set_layout_checks_the_skills_and_domains():
    assert problems_of(
        small_role(),
        SetLayout(domains=(("containers", ("docker", "k8s")),)),
        SetLayout(
            domains=(
                ("containers", ("docker",)),
                ("languages", ("python",)),
                ("containers", ("k8s",)),
            )
        ),
        SetLayout(domains=(("containers", ("docker", "k8s")), ("tools", ("python",)))),
    ) == [
        ChangeProblem("changes[0].domains", "layout_skills", {}),
        ChangeProblem(
            "changes[1].domains[2].domain", "layout_domain_twice", {"domain": "containers"}
        ),
        ChangeProblem("changes[2].domains[1].domain", "layout_unnamed_domain", {"domain": "tools"}),
    ]


def test_set_layout_drops_the_domains_it_leaves_empty_and_their_extensions():
    state = small_role(extensions={"domain:languages": {"x-a": 1}, "domain:containers": {"x-b": 2}})
    after = applied(
        state,
        SetLayout(
            domains=(("tools", ("python", "docker")), ("containers", ("k8s",))),
            domain_names={"tools": "Tools"},
        ),
    )
    assert after.layout() == (("tools", ("python", "docker")), ("containers", ("k8s",)))
    assert after.domain_names == {"containers": "Containers", "tools": "Tools"}
    assert after.extensions == {"domain:containers": {"x-b": 2}}


def test_set_stack_and_level_name_set_exactly_what_they_say():
    after = applied(
        small_role(),
        SetStack(level="junior", items=("Python", "Bash")),
        SetLevelName(level="senior", name="S" * 100, short="s" * 20),
    )
    assert after.levels == (
        LevelState(code="junior", name="Junior", short="Jr", stack=("Python", "Bash")),
        LevelState(code="senior", name="S" * 100, short="s" * 20),
    )


def test_a_level_name_is_at_most_100_characters_and_its_short_name_20():
    assert problems_of(
        small_role(),
        SetLevelName(level="senior", name="S" * 101, short="S"),
        SetLevelName(level="senior", name="Senior", short="s" * 21),
        SetLevelName(level="staff", name="Staff", short="St"),
    ) == [
        ChangeProblem("changes[0].name", "too_long", {"limit": 100}),
        ChangeProblem("changes[1].short", "too_long", {"limit": 20}),
        ChangeProblem("changes[2].level", "unknown_level", {"level": "staff", "role": "ops"}),
    ]


def test_add_level_goes_on_top_and_refuses_a_level_the_role_has():
    after = applied(small_role(), AddLevel(level="lead", name="Lead", short="Ld", focus="F"))
    assert after.levels == (
        JUNIOR,
        SENIOR,
        LevelState(code="lead", name="Lead", short="Ld", focus="F"),
    )
    assert problems_of(small_role(), AddLevel(level="senior", name="S", short="S")) == [
        ChangeProblem("changes[0].level", "level_exists", {"role": "ops", "level": "senior"})
    ]


def test_remove_level_takes_its_cells_and_extensions_and_keeps_the_last_level():
    state = small_role(
        extensions={
            "level:senior": {"x-a": 1},
            "cell:docker:senior": {"x-b": 2},
            "cell:docker:junior": {"x-c": 3},
            "level:junior": {"x-d": 4},
        }
    )
    after = applied(state, RemoveLevel(level="senior"))
    assert after.levels == (JUNIOR,)
    assert [dict(s.cells) for s in after.skills] == [{"junior": Cell(code="A")}, {}, {}]
    assert after.extensions == {"cell:docker:junior": {"x-c": 3}, "level:junior": {"x-d": 4}}
    assert problems_of(after, RemoveLevel(level="junior")) == [
        ChangeProblem("changes[0].level", "last_level", {})
    ]


def test_set_level_order_reorders_the_cells_too():
    after = applied(small_role(), SetLevelOrder(levels=("senior", "junior")))
    assert after.levels == (SENIOR, JUNIOR)
    assert list(after.skill("docker").cells) == ["senior", "junior"]


def test_set_role_field_checks_the_field_its_length_and_an_empty_title():
    assert problems_of(
        small_role(),
        SetRoleField(field="current_version", value="9"),
        SetRoleField(field="tagline", value="t" * 301),
        SetRoleField(field="title", value=""),
    ) == [
        ChangeProblem(
            "changes[0].field",
            "unknown_role_field",
            {"choices": ", ".join(ROLE_FIELDS), "value": "current_version"},
        ),
        ChangeProblem("changes[1].value", "too_long", {"limit": 300}),
        ChangeProblem("changes[2].value", "empty", {}),
    ]
    after = applied(
        small_role(),
        SetRoleField(field="tagline", value="t" * 300),
        SetRoleField(field="description", value=""),
        SetRoleField(field="key_domains", value=("Ops",)),
    )
    assert (after.tagline, after.key_domains) == ("t" * 300, ("Ops",))


def test_rename_skill_sets_name_and_description():
    after = applied(small_role(), RenameSkill(skill="k8s", name="K8s", description="Orchestration"))
    assert after.skill("k8s") == replace(K8S, name="K8s", description="Orchestration")


def test_rename_domain_and_family_check_they_are_the_roles():
    after = applied(
        small_role(),
        RenameDomain(domain="languages", name="Programming"),
        RenameFamily(family="eng", name="Engineers"),
    )
    assert after.domain_names == {"containers": "Containers", "languages": "Programming"}
    assert after.family_name == "Engineers"
    assert problems_of(
        small_role(),
        RenameDomain(domain="tools", name="Tools"),
        RenameFamily(family="ops", name="Ops"),
    ) == [
        ChangeProblem("changes[0].domain", "unknown_domain", {"domain": "tools", "role": "ops"}),
        ChangeProblem("changes[1].family", "other_family", {"role": "ops", "family": "ops"}),
    ]


def test_set_code_name_keeps_only_names_that_differ_in_scale_order():
    after = applied(
        small_role(),
        SetCodeName(code="E", name="Masters"),
        SetCodeName(code="A", name="Aware"),
    )
    assert list(after.code_names.items()) == [("A", "Aware"), ("E", "Masters")]
    reset = applied(after, SetCodeName(code="A", name="Awareness"))
    assert reset.code_names == {"E": "Masters"}
    assert problems_of(small_role(), SetCodeName(code="Q", name="Q")) == [
        ChangeProblem("changes[0].code", "unknown_code", {"value": "Q"})
    ]


@pytest.mark.parametrize(
    "place", ["$", "family", "role", "level:junior", "code:A", "domain:languages", "skill:k8s"]
)
def test_an_extension_can_be_set_at_every_place_of_the_role(place):
    state = small_role(extensions={"skill:docker": {"x-b": 1}})
    after = applied(state, SetExtension(place=place, data={"x-a": 1}))
    assert after.extensions == {"skill:docker": {"x-b": 1}, place: {"x-a": 1}}
    assert applied(after, SetExtension(place=place, data={})).extensions == state.extensions


@pytest.mark.parametrize(
    "place",
    [
        "$:x",
        "family:x",
        "role:x",
        "level:staff",
        "code:Q",
        "domain:tools",
        "skill:kafka",
        "cell:k8s:junior",
        "other",
    ],
)
def test_an_extension_cannot_be_set_where_the_role_has_no_such_place(place):
    assert problems_of(small_role(), SetExtension(place=place, data={"x-a": 1})) == [
        ChangeProblem("changes[0].place", "unknown_place", {"place": place, "role": "ops"})
    ]
