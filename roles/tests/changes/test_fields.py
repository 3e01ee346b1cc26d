"""roles/changes/fields.py: how a change's fields parse from JSON. Pure, so no database here."""

from __future__ import annotations

import pytest

from roles.changes.errors import FieldInvalid
from roles.changes.fields import (
    parse_cell,
    parse_cells,
    parse_extension,
    parse_items,
    parse_layout,
    parse_name,
    parse_role_value,
    parse_slug,
    parse_slugs,
    parse_text,
)
from roles.changes.state import Cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, None),
        ("W", Cell(code="W")),
        ({"code": "E", "mandatory": False}, Cell(code="E", mandatory=False)),
        ({"code": "A", "details": "  Reads the docs  "}, Cell(code="A", details="Reads the docs")),
    ],
)
def test_a_cell_parses_from_each_of_its_forms(value, cell):
    assert parse_cell(value, "requirements.senior") == cell


@pytest.mark.parametrize(
    ("value", "where", "code", "params"),
    [
        ("Q", "requirements.senior", "not_code", {"value": "Q"}),
        (3, "requirements.senior", "not_cell", {"type": "number"}),
        ({"code": "E", "why": 1}, "requirements.senior.why", "unknown_key", {}),
        ({"mandatory": True}, "requirements.senior.code", "missing", {}),
        (
            {"code": "E", "mandatory": "yes"},
            "requirements.senior.mandatory",
            "not_bool",
            {"type": "string"},
        ),
    ],
)
def test_a_bad_cell_names_where_and_what(value, where, code, params):
    with pytest.raises(FieldInvalid) as caught:
        parse_cell(value, "requirements.senior")
    assert (caught.value.field_name, caught.value.code, caught.value.params) == (
        where,
        code,
        params,
    )


def test_slugs_and_items_keep_the_value_they_refuse():
    assert parse_slug("apache-kafka", "skill") == "apache-kafka"
    with pytest.raises(FieldInvalid) as caught:
        parse_slug("Apache Kafka", "skill")
    assert caught.value.problem("changes[0]").params == {"value": "Apache Kafka"}
    assert parse_items([" Python ", "Go"], "items") == ("Python", "Go")
    with pytest.raises(FieldInvalid) as caught:
        parse_items(["a", " "], "items")
    assert caught.value.problem("changes[3]").path == "changes[3].items[1]"


def _refusal(parse, value, name):
    with pytest.raises(FieldInvalid) as caught:
        parse(value, name)
    return caught.value.field_name, caught.value.code, caught.value.params


@pytest.mark.parametrize(
    ("parse", "value", "name", "refusal"),
    [
        (parse_text, 3, "title", ("title", "not_string", {"type": "number"})),
        (parse_name, None, "name", ("name", "not_string", {"type": "null"})),
        (parse_name, "   ", "name", ("name", "empty", {})),
        (parse_name, "x" * 201, "name", ("name", "too_long", {"limit": 200})),
        (parse_items, "Python", "items", ("items", "not_strings", {"type": "string"})),
        (parse_items, ["a", 3], "items", ("items[1]", "empty_item", {})),
        (parse_slugs, {}, "skills", ("skills", "not_strings", {"type": "object"})),
        (parse_slugs, ["ok", "Not Ok"], "skills", ("skills[1]", "not_slug", {"value": "Not Ok"})),
        (parse_slug, "a" * 101, "skill", ("skill", "not_slug", {"value": "a" * 101})),
        (
            parse_cell,
            {"code": "Q"},
            "requirements.senior",
            ("requirements.senior.code", "not_code", {"value": "Q"}),
        ),
        (
            parse_cell,
            {"code": "E", "details": 3},
            "requirements.senior",
            ("requirements.senior.details", "not_string", {"type": "number"}),
        ),
        (parse_cells, [], "requirements", ("requirements", "not_cells", {"type": "array"})),
        (
            parse_cells,
            {"junior": "W", "senior": "Q"},
            "requirements",
            ("requirements.senior", "not_code", {"value": "Q"}),
        ),
        (parse_extension, [], "extension", ("extension", "not_object", {"type": "array"})),
        (
            parse_extension,
            {"x-ok": 1, "plain": 2},
            "extension",
            ("extension.plain", "not_extension_key", {}),
        ),
        (parse_layout, {}, "domains", ("domains", "not_array", {"type": "object"})),
        (
            parse_layout,
            [{"domain": "ops", "skills": []}, ["domain", "skills"]],
            "domains",
            ("domains[1]", "not_layout_group", {}),
        ),
        (
            parse_layout,
            [{"domain": "ops", "skills": [], "name": "Ops"}],
            "domains",
            ("domains[0]", "not_layout_group", {}),
        ),
        (
            parse_layout,
            [{"domain": "Ops", "skills": []}],
            "domains",
            ("domains[0].domain", "not_slug", {"value": "Ops"}),
        ),
        (
            parse_layout,
            [{"domain": "ops", "skills": ["docker", "Kafka"]}],
            "domains",
            ("domains[0].skills[1]", "not_slug", {"value": "Kafka"}),
        ),
        (
            lambda value, name: parse_role_value(value, name, "slug"),
            "Data Eng",
            "value",
            ("value", "not_slug", {"value": "Data Eng"}),
        ),
    ],
)
def test_a_bad_field_names_exactly_where_and_what(parse, value, name, refusal):
    assert _refusal(parse, value, name) == refusal


def test_the_limits_are_inclusive():
    assert parse_slug("a" * 100, "skill") == "a" * 100
    assert parse_name("x" * 200, "name") == "x" * 200
    # The limit counts the text once stripped.
    assert parse_name("  " + "x" * 200 + "  ", "name") == "x" * 200


def test_the_good_forms_parse_to_their_values():
    assert parse_text("  Senior  ", "title") == "Senior"
    assert parse_slugs([" docker ", "kafka"], "skills") == ("docker", "kafka")
    assert parse_cells({"junior": None, "senior": "W"}, "requirements") == {
        "senior": Cell(code="W")
    }
    assert parse_extension({"x-team": {"a": 1}}, "extension") == {"x-team": {"a": 1}}
    assert parse_layout(
        [{"domain": "ops", "skills": ["docker"]}, {"domain": "data", "skills": []}], "domains"
    ) == (("ops", ("docker",)), ("data", ()))
    assert parse_role_value("data-eng", "value", "slug") == "data-eng"
    assert parse_role_value(" Title ", "value", "text") == "Title"
    assert parse_role_value(["a"], "value", "items") == ("a",)
    assert parse_role_value(True, "value", "bool") is True
