from __future__ import annotations

import copy
import json

import pytest

from roles.changes.state import Cell
from roles.document import (
    DomainData,
    LevelData,
    RoleDocument,
    RoleDocumentError,
    SkillData,
    dumps_role_document,
    parse_role_document,
)
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


def test_every_part_of_a_document_is_read_and_every_extension_kept_at_its_place():
    document = {
        "format": "skillsmatrix.role/v1",
        "source": "https://example.com/ladder",
        "x-generator": "test",
        "family": {"slug": "data", "name": "Data", "x-note": "f"},
        "role": {
            "slug": "analyst",
            "title": "Analyst",
            "tagline": "",
            "description": "Reads numbers",
            "key_domains": ["Maths"],
            "x-owner": "r",
        },
        "levels": [
            {"code": "jun", "name": "Junior", "short": "J", "focus": "", "stack": [], "x-y": 1},
            {"code": "sen", "name": "Senior", "short": "S", "focus": "Leads", "stack": ["SQL"]},
        ],
        "codes": [{"code": "W", "name": "Practitioner", "rank": 2, "x-colour": "blue"}],
        "domains": [
            {
                "name": "Maths",
                "slug": "maths",
                "x-weight": 2,
                "skills": [
                    {
                        "name": "Statistics",
                        "slug": "stats",
                        "description": "Means",
                        "requirements": {
                            "jun": {"code": "A", "x-example": "a mean"},
                            "sen": {"code": "E", "mandatory": False, "details": "Tests"},
                        },
                        "x-level": 3,
                    },
                    {"name": "Algebra", "requirements": {"jun": None, "sen": "W"}},
                ],
            }
        ],
    }

    parsed = parse_role_document(document)

    assert parsed == RoleDocument(
        family_slug="data",
        family_name="Data",
        slug="analyst",
        title="Analyst",
        tagline="",
        description="Reads numbers",
        key_domains=["Maths"],
        levels=[
            LevelData(code="jun", name="Junior", short="J", focus="", stack=[]),
            LevelData(code="sen", name="Senior", short="S", focus="Leads", stack=["SQL"]),
        ],
        domains=[
            DomainData(
                slug="maths",
                name="Maths",
                skills=[
                    SkillData(
                        slug="stats",
                        name="Statistics",
                        description="Means",
                        requirements={
                            "jun": Cell(code="A"),
                            "sen": Cell(code="E", mandatory=False, details="Tests"),
                        },
                    ),
                    SkillData(
                        slug="algebra",
                        name="Algebra",
                        description="",
                        requirements={"sen": Cell(code="W")},
                    ),
                ],
            )
        ],
        source="https://example.com/ladder",
        code_names={"W": "Practitioner"},
        extensions={
            "$": {"x-generator": "test"},
            "family": {"x-note": "f"},
            "role": {"x-owner": "r"},
            "code:W": {"x-colour": "blue"},
            "level:jun": {"x-y": 1},
            "domain:maths": {"x-weight": 2},
            "skill:stats": {"x-level": 3},
            "cell:stats:jun": {"x-example": "a mean"},
        },
    )


def test_texts_may_be_as_long_as_their_limit():
    document = role_document()
    document["family"]["name"] = "F" * 200
    document["role"]["title"] = "T" * 200
    document["levels"][0]["name"] = "N" * 100
    document["levels"][0]["stack"] = ["S" * 200]
    document["domains"][0]["skills"][0]["name"] = "K" * 200
    document["codes"] = [{"code": "E", "name": "M" * 100}]

    parsed = parse_role_document(document)

    assert (len(parsed.family_name), len(parsed.title)) == (200, 200)
    assert (len(parsed.levels[0].name), len(parsed.levels[0].stack[0])) == (100, 200)
    assert len(parsed.domains[0].skills[0].name) == 200
    assert parsed.code_names == {"E": "M" * 100}


def test_cell_forms():
    document = role_document(domains=1, skills_per_domain=4)
    skills = parse_role_document(document).domains[0].skills
    assert "l1" not in skills[1].requirements  # null -> empty cell
    assert skills[2].requirements["l1"].mandatory is False
    assert skills[3].requirements["l2"].details == "Details <b>0.3</b>"


def _set_skill(d, domain, skill, value):
    d["domains"][domain]["skills"][skill] = value


def _set_cell(d, value, *, domain=1, level="l1"):
    d["domains"][domain]["skills"][0]["requirements"][level] = value


def _legend(*entries):
    return lambda d: d.update(codes=list(entries))


@pytest.mark.parametrize(
    ("mutate", "path", "problem"),
    [
        # The document and its parts
        (
            lambda d: d.update(format="other/v9"),
            "$.format",
            "unknown format 'other/v9', expected 'skillsmatrix.role/v1'",
        ),
        (lambda d: d.pop("format"), "$.format", "is missing (expected 'skillsmatrix.role/v1')"),
        (lambda d: d.update(x=1), "$.x", "unknown key (extensions must start with 'x-')"),
        (lambda d: d.pop("family"), "$.family", "is missing"),
        (lambda d: d.update(family=[]), "$.family", "must be an object, not an array"),
        (lambda d: d["family"].pop("name"), "$.family.name", "is missing"),
        (
            lambda d: d["family"].update(name="F" * 201),
            "$.family.name",
            "must be at most 200 characters",
        ),
        (
            lambda d: d["family"].update(slug="Data!"),
            "$.family.slug",
            "'Data!' is not a slug (lowercase letters, digits, - and _)",
        ),
        (
            lambda d: d["family"].update(url="x"),
            "$.family.url",
            "unknown key (extensions must start with 'x-')",
        ),
        (lambda d: d.pop("role"), "$.role", "is missing"),
        (
            lambda d: d["role"].update(owner="x"),
            "$.role.owner",
            "unknown key (extensions must start with 'x-')",
        ),
        (lambda d: d["role"].pop("tagline"), "$.role.tagline", "is missing"),
        (
            lambda d: d["role"].update(description=1),
            "$.role.description",
            "must be a string, not a number",
        ),
        (lambda d: d.update(role="Test Role"), "$.role", "must be an object, not a string"),
        # Text fields
        (lambda d: d["role"].pop("title"), "$.role.title", "is missing"),
        (lambda d: d["role"].update(title=None), "$.role.title", "is missing"),
        (lambda d: d["role"].update(title="  "), "$.role.title", "must not be empty"),
        (lambda d: d["role"].update(title=5), "$.role.title", "must be a string, not a number"),
        (lambda d: d["role"].update(title=0.5), "$.role.title", "must be a string, not a number"),
        (lambda d: d["role"].update(title=True), "$.role.title", "must be a string, not a boolean"),
        (lambda d: d["role"].update(title=["T"]), "$.role.title", "must be a string, not an array"),
        (lambda d: d["role"].update(title={}), "$.role.title", "must be a string, not an object"),
        (lambda d: d["role"].update(title=("T",)), "$.role.title", "must be a string, not tuple"),
        (
            lambda d: d["role"].update(title="T" * 201),
            "$.role.title",
            "must be at most 200 characters",
        ),
        (
            lambda d: d["role"].update(tagline="T" * 301),
            "$.role.tagline",
            "must be at most 300 characters",
        ),
        (
            lambda d: d.update(source="s" * 501),
            "$.source",
            "must be at most 500 characters",
        ),
        # Slugs
        (lambda d: d["role"].pop("slug"), "$.role.slug", "is missing"),
        (
            lambda d: d["role"].update(slug="Not A Slug"),
            "$.role.slug",
            "'Not A Slug' is not a slug (lowercase letters, digits, - and _)",
        ),
        (
            lambda d: d["role"].update(slug="a" * 101),
            "$.role.slug",
            "must be at most 100 characters",
        ),
        (
            lambda d: d["domains"][0].update(name="!!!"),
            "$.domains[0].name",
            "'!!!' gives an empty slug",
        ),
        # Lists of short texts
        (
            lambda d: d["role"].update(key_domains="Domain 0"),
            "$.role.key_domains",
            "must be an array, not a string",
        ),
        (lambda d: d["role"].pop("key_domains"), "$.role.key_domains", "is missing"),
        (
            lambda d: d["levels"][0].update(stack=["Tool", " "]),
            "$.levels[0].stack[1]",
            "must be a non-empty string",
        ),
        (
            lambda d: d["levels"][0].update(stack=[3]),
            "$.levels[0].stack[0]",
            "must be a non-empty string",
        ),
        # Levels
        (lambda d: d.pop("levels"), "$.levels", "is missing"),
        (lambda d: d.update(levels=[]), "$.levels", "must list at least one level"),
        (lambda d: d.update(levels={}), "$.levels", "must be an array, not an object"),
        (lambda d: d["levels"][1].pop("short"), "$.levels[1].short", "is missing"),
        (lambda d: d["levels"][2].pop("code"), "$.levels[2].code", "is missing"),
        (
            lambda d: d["levels"][2].update(code="l1"),
            "$.levels[2].code",
            "duplicate level code 'l1'",
        ),
        (
            lambda d: d["levels"][0].update(name="N" * 101),
            "$.levels[0].name",
            "must be at most 100 characters",
        ),
        (
            lambda d: d["levels"][0].update(short="S" * 21),
            "$.levels[0].short",
            "must be at most 20 characters",
        ),
        (lambda d: d["levels"][0].pop("focus"), "$.levels[0].focus", "is missing"),
        (
            lambda d: d["levels"].__setitem__(0, "l1"),
            "$.levels[0]",
            "must be an object, not a string",
        ),
        (
            lambda d: d["levels"][1].update(years=3),
            "$.levels[1].years",
            "unknown key (extensions must start with 'x-')",
        ),
        # Domains and skills
        (
            lambda d: d["domains"].__setitem__(1, []),
            "$.domains[1]",
            "must be an object, not an array",
        ),
        (
            lambda d: d["domains"][1].update(weight=1),
            "$.domains[1].weight",
            "unknown key (extensions must start with 'x-')",
        ),
        (
            lambda d: d["domains"][1].update(slug="Two Words"),
            "$.domains[1].slug",
            "'Two Words' is not a slug (lowercase letters, digits, - and _)",
        ),
        (lambda d: d["domains"][1].pop("skills"), "$.domains[1].skills", "is missing"),
        (
            lambda d: d["domains"][1]["skills"][2].update(owner="x"),
            "$.domains[1].skills[2].owner",
            "unknown key (extensions must start with 'x-')",
        ),
        (
            lambda d: d["domains"][1]["skills"][2].update(name="K" * 201),
            "$.domains[1].skills[2].name",
            "must be at most 200 characters",
        ),
        (
            lambda d: d["domains"][1]["skills"][2].update(slug="K"),
            "$.domains[1].skills[2].slug",
            "'K' is not a slug (lowercase letters, digits, - and _)",
        ),
        (
            lambda d: d["domains"][1].update(name="Domain 0"),
            "$.domains[1].name",
            "duplicate domain 'domain-0'",
        ),
        (
            lambda d: d["domains"][0].update(skills=[]),
            "$.domains[0].skills",
            "must list at least one skill",
        ),
        (
            lambda d: d["domains"][0].update(name="D" * 201),
            "$.domains[0].name",
            "must be at most 200 characters",
        ),
        (
            lambda d: _set_skill(d, 0, 0, "Docker"),
            "$.domains[0].skills[0]",
            "must be an object, not a string",
        ),
        (
            lambda d: _set_skill(d, 0, 0, None),
            "$.domains[0].skills[0]",
            "must be an object, not null",
        ),
        (
            lambda d: d["domains"][2]["skills"].append(copy.deepcopy(d["domains"][0]["skills"][0])),
            "$.domains[2].skills[4].name",
            "duplicate skill 'skill-0-0' (already at $.domains[0].skills[0])",
        ),
        (
            lambda d: d["domains"][0]["skills"][1].pop("name"),
            "$.domains[0].skills[1].name",
            "is missing",
        ),
        (
            lambda d: d["domains"][0]["skills"][1].update(description="d" * 5001),
            "$.domains[0].skills[1].description",
            "must be at most 5000 characters",
        ),
        # Requirements and cells
        (
            lambda d: d["domains"][0]["skills"][1].pop("requirements"),
            "$.domains[0].skills[1].requirements",
            "is missing",
        ),
        (
            lambda d: d["domains"][0]["skills"][1].update(requirements=["A"]),
            "$.domains[0].skills[1].requirements",
            "must be an object, not an array",
        ),
        (
            lambda d: d["domains"][0]["skills"][0]["requirements"].update(l9="A"),
            "$.domains[0].skills[0].requirements.l9",
            "unknown level code 'l9'",
        ),
        (
            lambda d: d["domains"][0]["skills"][0]["requirements"].update({"x-note": "A"}),
            "$.domains[0].skills[0].requirements.x-note",
            "requirements map level codes only",
        ),
        (
            lambda d: _set_cell(d, "X"),
            "$.domains[1].skills[0].requirements.l1",
            "code must be one of A, W, E, not 'X'",
        ),
        (
            lambda d: _set_cell(d, 2),
            "$.domains[1].skills[0].requirements.l1",
            "must be an object, not a number",
        ),
        (
            lambda d: _set_cell(d, {"code": "Z"}),
            "$.domains[1].skills[0].requirements.l1.code",
            "must be one of A, W, E, not 'Z'",
        ),
        (
            lambda d: _set_cell(d, {"mandatory": True}),
            "$.domains[1].skills[0].requirements.l1.code",
            "is missing",
        ),
        (
            lambda d: _set_cell(d, {"code": "A", "mandatory": "yes"}),
            "$.domains[1].skills[0].requirements.l1.mandatory",
            "must be a boolean, not a string",
        ),
        (
            lambda d: _set_cell(d, {"code": "A", "mandatory": 1}),
            "$.domains[1].skills[0].requirements.l1.mandatory",
            "must be a boolean, not a number",
        ),
        (
            lambda d: _set_cell(d, {"code": "A", "details": ["x"]}),
            "$.domains[1].skills[0].requirements.l1.details",
            "must be a string, not an array",
        ),
        (
            lambda d: _set_cell(d, {"code": "A", "note": "x"}),
            "$.domains[1].skills[0].requirements.l1.note",
            "unknown key (extensions must start with 'x-')",
        ),
        # The codes legend
        (
            _legend({"code": "Q", "name": "Q", "rank": 9}),
            "$.codes[0].code",
            "must be one of A, W, E, not 'Q'",
        ),
        (_legend({"name": "Q"}), "$.codes[0].code", "must be one of A, W, E, not None"),
        (
            _legend({"code": "E", "name": "Masters"}, {"code": "E", "name": "Masters"}),
            "$.codes[1].code",
            "duplicate code 'E'",
        ),
        (
            _legend({"code": "E", "name": "Expert"}, {"code": "E", "name": "Expert"}),
            "$.codes[1].code",
            "duplicate code 'E'",
        ),
        (
            _legend({"code": "E", "name": "Masters", "rank": 2}),
            "$.codes[0].rank",
            "the rank of E is 3, not 2",
        ),
        (_legend({"code": "E"}), "$.codes[0].name", "is missing"),
        (_legend("E"), "$.codes[0]", "must be an object, not a string"),
        (
            _legend({"code": "E", "name": "Masters", "colour": "red"}),
            "$.codes[0].colour",
            "unknown key (extensions must start with 'x-')",
        ),
        (
            _legend({"code": "E", "name": "M" * 101}),
            "$.codes[0].name",
            "must be at most 100 characters",
        ),
        (
            _legend(*({"code": code, "name": code} for code in "AWEA")),
            "$.codes",
            "has 4 items, at most 3 are allowed",
        ),
        (lambda d: d.update(codes={}), "$.codes", "must be an array, not an object"),
    ],
)
def test_refuses_bad_documents_naming_the_path_and_the_problem(mutate, path, problem):
    with pytest.raises(RoleDocumentError) as caught:
        parse_role_document(_broken(mutate))
    assert (caught.value.path, caught.value.problem) == (path, problem)
    assert str(caught.value) == f"{path}: {problem}"


def test_texts_are_trimmed_and_a_focus_may_be_blank():
    document = role_document()
    document["role"]["title"] = "  Padded title  "
    document["levels"][0]["focus"] = "  "
    document["levels"][0]["stack"] = ["  Docker  "]

    parsed = parse_role_document(document)

    assert parsed.title == "Padded title"
    assert parsed.levels[0].focus == ""
    assert parsed.levels[0].stack == ["Docker"]


def test_optional_fields_may_be_left_out_or_null():
    document = role_document()
    document["role"]["description"] = None
    document.pop("codes", None)
    document["domains"][0]["skills"][0].pop("description", None)

    parsed = parse_role_document(document)

    assert (parsed.description, parsed.source, parsed.code_names) == ("", "", {})
    assert parsed.domains[0].skills[0].description == ""


def test_slugs_default_to_the_slugified_name_cut_at_100():
    document = role_document()
    document["family"] = {"name": "Data & ML"}
    document["domains"][0]["name"] = "Cloud & Infrastructure"
    document["domains"][0]["skills"][0]["name"] = "K" * 150
    document["domains"][0]["skills"][1]["slug"] = None

    parsed = parse_role_document(document)

    assert parsed.family_slug == "data-ml"
    assert parsed.domains[0].slug == "cloud-infrastructure"
    assert parsed.domains[0].skills[0].slug == "k" * 100
    assert parsed.domains[0].skills[1].slug == "skill-0-1"


def test_a_legend_keeps_only_the_names_that_differ_in_code_order():
    document = role_document()
    document["codes"] = [
        {"code": "E", "name": "Masters", "rank": 3},
        {"code": "A", "name": "Awareness"},
        {"code": "W", "name": "Practitioner", "x-colour": "blue"},
    ]

    parsed = parse_role_document(document)

    assert list(parsed.code_names.items()) == [("W", "Practitioner"), ("E", "Masters")]
    assert parsed.extensions["code:W"] == {"x-colour": "blue"}


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
    # Indented by two, not escaped, key order kept (not sorted), one final newline.
    assert text == '{\n  "b": "é",\n  "a": [\n    1\n  ]\n}\n'
    assert json.loads(text) == document


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

    seed = parse_role_document(seed_document)
    big = parse_role_document(big_role_document())

    assert (len(seed.domains), sum(len(d.skills) for d in seed.domains)) == (13, 56)
    assert (len(big.domains), sum(len(d.skills) for d in big.domains), len(big.levels)) == (
        42,
        168,
        5,
    )
    # 840 cells, one empty in each domain.
    assert sum(len(s.requirements) for d in big.domains for s in d.skills) == 840 - 42


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
