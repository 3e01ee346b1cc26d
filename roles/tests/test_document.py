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


@pytest.mark.parametrize(
    ("setting", "mutate", "path", "words"),
    [
        ("ROLE_MAX_SKILLS", lambda d: None, "$.domains[2].skills[3]", "more than 11 skills"),
        ("ROLE_MAX_DOMAINS", lambda d: None, "$.domains", "has 3 items, at most 2"),
        ("ROLE_MAX_LEVELS", lambda d: None, "$.levels", "has 5 items, at most 4"),
        (
            "ROLE_MAX_STACK_ITEMS",
            lambda d: d["levels"][1].update(stack=["a", "b", "c", "d"]),
            "$.levels[1].stack",
            "has 4 items, at most 3",
        ),
        (
            "ROLE_MAX_STACK_ITEMS",
            lambda d: d["role"].update(key_domains=["a", "b", "c", "d"]),
            "$.role.key_domains",
            "has 4 items, at most 3",
        ),
        (
            "ROLE_MAX_ITEM_LENGTH",
            lambda d: d["levels"][0].update(stack=["x" * 41]),
            "$.levels[0].stack[0]",
            "at most 40 characters",
        ),
        (
            "ROLE_MAX_TEXT_LENGTH",
            lambda d: d["domains"][1]["skills"][0]["requirements"].update(
                l2={"code": "W", "details": "x" * 1001}
            ),
            "$.domains[1].skills[0].requirements.l2.details",
            "at most 1000 characters",
        ),
    ],
)
def test_size_limits_come_from_settings(settings, setting, mutate, path, words):
    limits = {
        "ROLE_MAX_SKILLS": 11,
        "ROLE_MAX_DOMAINS": 2,
        "ROLE_MAX_LEVELS": 4,
        "ROLE_MAX_STACK_ITEMS": 3,
        "ROLE_MAX_ITEM_LENGTH": 40,
        "ROLE_MAX_TEXT_LENGTH": 1000,
    }
    document = _broken(mutate)
    parse_role_document(document)  # within the default limits

    setattr(settings, setting, limits[setting])
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(document)
    assert caught.value.path == path
    assert words in caught.value.problem


def test_the_default_limits_take_the_seed_and_three_times_it(seed_document):
    from roles.tests.factories import big_role_document

    parse_role_document(seed_document)
    parse_role_document(big_role_document())


@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        ('{"a": ' * 40 + "1" + "}" * 40, "$" + ".a" * 32, "nested deeper than 32 levels"),
        ('{"format": ' + "9" * 4301 + "}", "$.format", "number too long"),
        ('{"format": "\\u0000"}', "$.format", "NUL character"),
        ('{"format": "\\udfff"}', "$.format", "lone surrogate"),
        ('{"\\ud800": 1}', "$", "key contains a lone surrogate"),
        ('{"format": NaN}', "$.format", "NaN is not a JSON number"),
    ],
)
def test_hostile_json_is_refused_at_its_path(raw, path, words):
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(raw)
    assert caught.value.path == path
    assert words in caught.value.problem


def test_decoded_documents_are_checked_too():
    document = role_document()
    document["levels"][0]["name"] = "bad\x00name"
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(document)
    assert caught.value.path == "$.levels[0].name"
