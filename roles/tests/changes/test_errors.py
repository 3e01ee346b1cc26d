"""roles/changes/errors.py: why a change list cannot apply, as data put into words when read."""

from __future__ import annotations

import pytest
from django.utils import translation

from roles.changes.errors import (
    API_WORDS,
    MEMBER_WORDS,
    ChangeError,
    ChangeProblem,
    FieldInvalid,
    type_of,
)

STAFF = ChangeProblem(
    "changes[2].level", "unknown_level", {"level": "staff", "role": "mlops-engineer"}
)
KAFKA = ChangeProblem("changes[0].skill", "not_slug", {"value": "Apache Kafka"})


def test_a_problem_reads_as_the_api_always_said_it():
    with translation.override("en"):
        assert STAFF.message == "no level 'staff' in role 'mlops-engineer'"
        assert STAFF.member_message == "This role has no level “staff”."
    assert str(STAFF) == "changes[2].level: no level 'staff' in role 'mlops-engineer'"


def test_its_words_are_those_of_the_language_active_when_read():
    with translation.override("es"):
        assert KAFKA.message == (
            "debe ser un slug (letras minúsculas, dígitos, - y _), no 'Apache Kafka'"
        )
        assert KAFKA.member_message == (
            "Use el nombre corto de la habilidad (letras minúsculas, dígitos y guiones), "
            "por ejemplo «apache-kafka»."
        )
        # Commands, logs and stored records keep the English line.
        assert str(KAFKA) == (
            "changes[0].skill: must be a slug (lowercase letters, digits, - and _), "
            "not 'Apache Kafka'"
        )
    with translation.override("en"):
        assert KAFKA.member_message == (
            "Use the skill's short name (lowercase letters, digits, hyphens), "
            "for example “apache-kafka”."
        )


@pytest.mark.parametrize(
    ("path", "value", "member_message"),
    [
        (
            "changes[0].skill",
            "!!",
            "Use the skill's short name (lowercase letters, digits, hyphens), "
            "for example “apache-kafka”.",
        ),
        ("changes[0].level", "Senior Level", "Choose one of the role's levels."),
        (
            "changes[1].domains[0].skills[2]",
            "Data Stores",
            "Use lowercase letters, digits and hyphens only, for example “data-stores”.",
        ),
    ],
)
def test_a_bad_slug_is_explained_for_the_field_it_is_in(path, value, member_message):
    problem = ChangeProblem(path, "not_slug", {"value": value})
    with translation.override("en"):
        assert problem.member_message == member_message


def test_json_types_are_named_in_the_active_language():
    problem = ChangeProblem("changes", "not_array", {"type": "object"})
    with translation.override("es"):
        assert problem.message == "debe ser una lista, no un objeto"
    assert str(problem) == "changes: must be an array, not an object"


@pytest.mark.parametrize(
    ("path", "field_name"),
    [
        ("changes[2].level", "level"),
        ("changes[2].items[1]", "items"),
        ("changes[0].skill.name", "name"),
        ("changes[2]", ""),
        ("changes", ""),
    ],
)
def test_the_field_a_problem_is_about_is_the_last_name_of_its_path(path, field_name):
    assert ChangeProblem(path, "missing").field_name == field_name


ANY_PARAMS = {
    "value": "x",
    "type": "object",
    "limit": 3,
    "op": "set_focus",
    "choices": "set_focus, set_stack",
    "level": "staff",
    "skill": "kafka",
    "role": "mlops-engineer",
    "domain": "queues",
    "place": "skill:kafka",
    "family": "data",
    "scale": "proficiency",
    "steps": "1, 2, 3",
    "track": "manager",
}


@pytest.mark.parametrize(
    "code_and_field",
    [(code, "") for code in sorted(API_WORDS)] + sorted(key for key in MEMBER_WORDS if key[1]),
)
def test_every_problem_has_words_in_spanish(code_and_field):
    code, field_name = code_and_field
    problem = ChangeProblem(f"changes[0].{field_name or 'x'}", code, ANY_PARAMS)
    with translation.override("en"):
        english = (problem.message, problem.member_message)
    with translation.override("es"):
        spanish = (problem.message, problem.member_message)
    assert spanish[0] != english[0]
    assert spanish[1] != english[1]


def test_a_problem_needs_words():
    with pytest.raises(ValueError, match="no words for the change problem 'exploded'"):
        ChangeProblem("changes[0]", "exploded")


def test_a_change_error_reads_as_its_english_lines():
    error = ChangeError([STAFF, ChangeProblem("changes[3]", "no_difference")])
    assert error.problems == [STAFF, ChangeProblem("changes[3]", "no_difference")]
    with translation.override("es"):
        assert str(error) == (
            "changes[2].level: no level 'staff' in role 'mlops-engineer'; "
            "changes[3]: this change makes no difference"
        )


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ({"a": 1}, "object"),
        ([1], "array"),
        ("x", "string"),
        (True, "boolean"),
        (False, "boolean"),
        (None, "null"),
        (3, "number"),
        (1.5, "number"),
        # Not a JSON value: the Python type's own name.
        ((1, 2), "tuple"),
    ],
)
def test_a_value_is_named_by_its_json_type(value, name):
    assert type_of(value) == name


@pytest.mark.parametrize(
    ("path", "value", "example"),
    [
        # Not a string: the field's own example, not a slug made of the value.
        ("changes[0].skill", 5, "apache-kafka"),
        ("changes[0].domain", None, "data-stores"),
        ("changes[0].x", 5, "docker"),
        # Nothing of a slug in the value: the field's example, "docker" for any other field.
        ("changes[0].x", "!!", "docker"),
        # A slug made of the value is cut at a slug's 100 characters.
        ("changes[0].x", "a" * 150, "a" * 100),
    ],
)
def test_a_bad_slug_suggests_an_example(path, value, example):
    with translation.override("en"):
        message = ChangeProblem(path, "not_slug", {"value": value}).member_message
    assert message.endswith(f"for example “{example}”.")


def test_a_field_problem_carries_its_field_and_code():
    problem = FieldInvalid("skill.name", "too_long", limit=200)
    assert problem.args == ("skill.name", "too_long")
    assert (problem.field_name, problem.code, problem.params) == (
        "skill.name",
        "too_long",
        {"limit": 200},
    )
    assert problem.problem("changes[1]") == ChangeProblem(
        "changes[1].skill.name", "too_long", {"limit": 200}
    )
