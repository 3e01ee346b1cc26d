from __future__ import annotations

import copy
import json

import pytest

from roles.document import RoleDocumentError, dumps_role_document, parse_role_document
from roles.tests.factories import role_document


def _broken(mutate):
    document = role_document()
    mutate(document)
    return document


def test_parses_seed(seed_document):
    parsed = parse_role_document(seed_document)
    assert parsed.slug == "mlops-engineer"
    assert [level.short for level in parsed.levels] == ["Jun", "Mid", "Sen", "Lead", "Princ"]
    assert len(parsed.domains) == 13
    assert sum(len(domain.skills) for domain in parsed.domains) == 56
    docker = next(s for d in parsed.domains for s in d.skills if s.name == "Docker")
    assert docker.slug == "docker"
    assert docker.requirements["middle"].code == "W"
    assert docker.requirements["middle"].mandatory is True


def test_cell_forms():
    document = role_document(domains=1, skills_per_domain=4)
    skills = parse_role_document(document).domains[0].skills
    assert "l1" not in skills[1].requirements  # null -> empty cell
    assert skills[2].requirements["l1"].mandatory is False
    assert skills[3].requirements["l2"].details == "Details <b>0.3</b>"


@pytest.mark.parametrize(
    ("mutate", "path", "words"),
    [
        (lambda d: d.update(format="other/v9"), "$.format", "unknown format"),
        (lambda d: d.pop("format"), "$.format", "missing"),
        (lambda d: d.pop("family"), "$.family", "missing"),
        (lambda d: d["role"].pop("title"), "$.role.title", "missing"),
        (lambda d: d["role"].pop("slug"), "$.role.slug", "missing"),
        (lambda d: d["role"].update(slug="Not A Slug"), "$.role.slug", "not a slug"),
        (lambda d: d["levels"][1].pop("short"), "$.levels[1].short", "missing"),
        (lambda d: d["levels"][2].pop("code"), "$.levels[2].code", "missing"),
        (lambda d: d["levels"][2].update(code="l1"), "$.levels[2].code", "duplicate level"),
        (lambda d: d.update(levels=[]), "$.levels", "at least one"),
        (lambda d: d.update(levels={}), "$.levels", "must be an array"),
        (
            lambda d: d["domains"][0]["skills"][0]["requirements"].update(l9="A"),
            "$.domains[0].skills[0].requirements.l9",
            "unknown level code",
        ),
        (
            lambda d: d["domains"][1]["skills"][0]["requirements"].update(l1="X"),
            "$.domains[1].skills[0].requirements.l1",
            "one of A, W, E",
        ),
        (
            lambda d: d["domains"][1]["skills"][0]["requirements"].update(l1={"code": "Z"}),
            "$.domains[1].skills[0].requirements.l1.code",
            "one of A, W, E",
        ),
        (
            lambda d: d["domains"][1]["skills"][0]["requirements"].update(l1={"mandatory": True}),
            "$.domains[1].skills[0].requirements.l1.code",
            "missing",
        ),
        (
            lambda d: d["domains"][0]["skills"][0]["requirements"].update(
                l1={"code": "A", "mandatory": "yes"}
            ),
            "$.domains[0].skills[0].requirements.l1.mandatory",
            "boolean",
        ),
        (
            lambda d: d["domains"][2]["skills"].append(copy.deepcopy(d["domains"][0]["skills"][0])),
            "$.domains[2].skills[4].name",
            "duplicate skill",
        ),
        (
            lambda d: d["domains"][0]["skills"][1].pop("requirements"),
            "$.domains[0].skills[1].requirements",
            "missing",
        ),
        (
            lambda d: d["domains"][0]["skills"][1].pop("name"),
            "$.domains[0].skills[1].name",
            "missing",
        ),
        (
            lambda d: d["domains"][0]["skills"].__setitem__(0, "Docker"),
            "$.domains[0].skills[0]",
            "object",
        ),
        (lambda d: d["role"].update(key_domains="Domain 0"), "$.role.key_domains", "array"),
        (
            lambda d: (
                d["codes"].__setitem__(0, {"code": "Q"})
                if "codes" in d
                else d.update(codes=[{"code": "Q", "name": "Q", "rank": 9}])
            ),
            "$.codes[0].code",
            "one of A, W, E",
        ),
    ],
)
def test_refuses_bad_documents_naming_the_path(mutate, path, words):
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(_broken(mutate))
    assert caught.value.path == path
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe", "", "[1, 2"])
def test_refuses_text_that_is_not_json(raw):
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(raw)
    assert caught.value.path == "$"
    assert "not valid JSON" in str(caught.value)


@pytest.mark.parametrize("raw", ["[]", "42", '"text"', "null"])
def test_refuses_json_that_is_not_an_object(raw):
    with pytest.raises(RoleDocumentError, match=r"^\$: must be an object"):
        parse_role_document(raw)


def test_dumps_is_canonical():
    document = {"b": "é", "a": [1]}
    text = dumps_role_document(document)
    assert text.endswith("}\n")
    assert "é" in text  # not escaped
    assert json.loads(text) == document
    assert text.index('"b"') < text.index('"a"')  # key order kept, not sorted
