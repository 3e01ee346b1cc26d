"""roles/changes/types.py: the change types, their JSON form and how a list applies. Pure, so
no database here."""

from __future__ import annotations

import json

import pytest

from roles.changes.errors import ChangeError
from roles.changes.state import Cell
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
    assert {type(change).op for change in ONE_OF_EACH} | {"set_layout"} == set(CHANGE_TYPES)
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
