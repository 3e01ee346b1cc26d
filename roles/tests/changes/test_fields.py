"""roles/changes/fields.py: how a change's fields parse from JSON. Pure, so no database here."""

from __future__ import annotations

import pytest

from roles.changes.errors import FieldInvalid
from roles.changes.fields import parse_cell, parse_items, parse_slug
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
