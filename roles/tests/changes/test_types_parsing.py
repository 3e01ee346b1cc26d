"""roles/changes/types.py: how a change list parses from JSON (``parse_changes`` and each
type's ``from_json``) and writes back. Pure, so no database here."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from roles.changes.errors import ChangeError, ChangeProblem
from roles.changes.state import JSON, ROLE_FIELDS
from roles.changes.types import (
    CHANGE_TYPES,
    PROPOSAL_OPS,
    AddSkill,
    SetLayout,
    SetRoleField,
    parse_changes,
)


def _problems(data: JSON, allowed: Iterable[str] | None = None) -> list[ChangeProblem]:
    with pytest.raises(ChangeError) as caught:
        parse_changes(data, allowed=allowed)
    return caught.value.problems


def test_add_skill_by_name_makes_the_slugs_from_the_names():
    [change] = parse_changes(
        [{"op": "add_skill", "skill": {"name": "Apache Kafka", "domain": "Data Stores"}}]
    )
    assert change == AddSkill(
        skill="apache-kafka", domain="data-stores", name="Apache Kafka", domain_name="Data Stores"
    )


def test_add_skill_slugs_from_long_names_are_cut_at_100():
    name, domain = "a" * 150, "b" * 150
    [change] = parse_changes([{"op": "add_skill", "skill": {"name": name, "domain": domain}}])
    assert change == AddSkill(skill="a" * 100, domain="b" * 100, name=name, domain_name=domain)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"skill": {"name": "Docker", "domain": "Containers", "level": "W"}},
            ChangeProblem("changes[0].skill", "not_skill_target"),
        ),
        (
            {"skill": {"domain": "Containers"}},
            ChangeProblem("changes[0].skill.name", "not_string", {"type": "null"}),
        ),
        (
            {"skill": {"name": "Docker", "domain": " "}},
            ChangeProblem("changes[0].skill.domain", "empty"),
        ),
        # A name with nothing of a slug in it.
        (
            {"skill": {"name": "!!!", "domain": "Containers"}},
            ChangeProblem("changes[0].skill", "not_slug", {"value": ""}),
        ),
        ({"skill": "docker"}, ChangeProblem("changes[0].domain", "missing")),
        (
            {"skill": "Docker", "domain": "containers"},
            ChangeProblem("changes[0].skill", "not_slug", {"value": "Docker"}),
        ),
    ],
)
def test_a_bad_add_skill_names_where_and_what(change, problem):
    assert _problems([{"op": "add_skill", **change}]) == [problem]


def test_set_role_field_parses_the_value_as_its_field_says():
    [change] = parse_changes([{"op": "set_role_field", "field": "key_domains", "value": [" a "]}])
    assert change == SetRoleField(field="key_domains", value=("a",))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"field": "current_version", "value": 9},
            ChangeProblem(
                "changes[0].field",
                "unknown_role_field",
                {"choices": ", ".join(ROLE_FIELDS), "value": "current_version"},
            ),
        ),
        (
            {"field": "is_published", "value": "yes"},
            ChangeProblem("changes[0].value", "not_bool", {"type": "string"}),
        ),
    ],
)
def test_a_bad_set_role_field_names_where_and_what(change, problem):
    assert _problems([{"op": "set_role_field", **change}]) == [problem]


def test_the_choices_of_role_fields_are_listed():
    [problem] = _problems([{"op": "set_role_field", "field": "nope", "value": 1}])
    assert problem.params["choices"] == (
        "slug, title, tagline, description, key_domains, family, source, is_published, layout, "
        "grading, markdown"
    )


def test_parse_lists_every_bad_change_not_only_the_first():
    assert _problems([5, {"op": "bogus"}, "x", {"op": "add_skill", "skill": "docker"}]) == [
        ChangeProblem("changes[0]", "not_object", {"type": "number"}),
        ChangeProblem(
            "changes[1].op",
            "unknown_op",
            {"choices": ", ".join(sorted(CHANGE_TYPES)), "value": "bogus"},
        ),
        ChangeProblem("changes[2]", "not_object", {"type": "string"}),
        ChangeProblem("changes[3].domain", "missing"),
    ]


def test_the_ops_offered_are_those_allowed_that_exist():
    assert _problems([{"op": "rename_skill"}], allowed=PROPOSAL_OPS) == [
        ChangeProblem(
            "changes[0].op",
            "unknown_op",
            {
                "choices": "add_skill, remove_skill, set_cell, set_details, set_domain, "
                "set_focus, set_framework, set_level_field, set_requirement, set_row, "
                "set_scale, set_skill, set_stack, set_track",
                "value": "rename_skill",
            },
        )
    ]
    assert _problems([{"op": "bogus"}], allowed={"bogus", "set_stack", "set_focus"}) == [
        ChangeProblem(
            "changes[0].op", "unknown_op", {"choices": "set_focus, set_stack", "value": "bogus"}
        )
    ]


def test_parse_refuses_what_is_not_a_list():
    assert _problems({"op": "set_focus"}) == [
        ChangeProblem("changes", "not_array", {"type": "object"})
    ]


def test_a_layout_writes_the_names_of_its_new_domains():
    change = SetLayout(domains=(("queues", ("kafka",)),), domain_names={"queues": "Queues"})
    assert change.as_json() == {
        "op": "set_layout",
        "domains": [{"domain": "queues", "skills": ["kafka"]}],
        "domain_names": {"queues": "Queues"},
    }
    assert SetLayout(domains=()).as_json() == {"op": "set_layout", "domains": []}
    assert parse_changes([change.as_json()]) == [change]
