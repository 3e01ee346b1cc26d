from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from roles.changes.state import Cell, Content, DomainInfo, Link, Section, TrackState
from roles.document import (
    RoleDocument,
    RoleDocumentError,
    dumps_role_document,
    parse_role_document,
    role_document_write,
)
from roles.framework_document import (
    FORMAT_V2,
    LEVEL_CODE_LENGTH,
    LINE_LENGTH,
    MAX_ITEMS,
    MAX_POINTS,
    MAX_RANK,
    MAX_THRESHOLD,
    SHORT_LENGTH,
    SLUG_LENGTH,
    STACK_ITEM_LENGTH,
    TEXT_LENGTH,
    URL_LENGTH,
    FrameworkDocument,
    default_short,
    document_write,
    framework_document_write,
    parse_document,
    parse_framework_document,
    role_framework_document,
    role_states,
)
from roles.tests.framework_fixtures import FIXTURES

ROLES_DIR = Path(__file__).resolve().parents[1]
EXAMPLE_PATH = ROLES_DIR / "data" / "harbour-works.framework.json"
SCHEMA = json.loads(
    (ROLES_DIR / "schemas" / "skillsmatrix.framework.v2.schema.json").read_text(encoding="utf-8")
)
VALIDATOR = Draft202012Validator(SCHEMA)


def _example_text() -> str:
    return EXAMPLE_PATH.read_text(encoding="utf-8")


def _example() -> dict:
    return json.loads(_example_text())


def _exported(raw) -> str:
    return dumps_role_document(framework_document_write(parse_framework_document(raw)))


def _role(document: FrameworkDocument, slug: str):
    return next(role for role in document.roles if role.slug == slug)


# --- the worked example ----------------------------------------------------------------------


def test_the_worked_example_is_written_back_byte_for_byte():
    assert _exported(_example_text()) == _example_text()


def test_the_worked_example_and_its_export_satisfy_the_schema():
    assert not list(VALIDATOR.iter_errors(_example()))
    assert not list(VALIDATOR.iter_errors(json.loads(_exported(_example_text()))))


def test_the_framework_its_scales_tracks_domains_and_skills_are_read_in_order():
    document = parse_framework_document(_example_text().encode("utf-8"))

    framework = document.framework
    assert (framework.slug, framework.name) == (
        "harbour-works",
        "Harbour Works engineering framework",
    )
    assert framework.description.startswith("An example framework that uses every part")
    assert list(framework.source.items()) == [
        ("url", "https://example.org/harbour-works/framework"),
        ("licence", "CC BY 4.0"),
        ("attribution", "Harbour Works (an example organisation)"),
        ("version", "2026.2"),
        ("x-reviewed", "2026-11"),
    ]
    assert framework.extensions == {}
    assert framework.root_extensions == {
        "x-example": {"purpose": "exercises every key of format v2"}
    }
    assert [scale.slug for scale in document.scales] == [
        "proficiency",
        "demonstrated",
        "milestones",
    ]
    proficiency = document.scales[0]
    assert proficiency.codes() == ("1", "2", "3", "4", "5")
    assert proficiency.steps[3].name == "Practitioner"
    assert [step.points for step in document.scales[2].steps] == [1, 3, 6, 12]
    assert document.tracks == (
        TrackState(code="ic", name="Individual contributor"),
        TrackState(code="manager", name="People manager", description="Leads a team of people."),
    )
    assert list(document.domains) == ["craft", "delivery", "people", "hw-impact"]
    assert document.domains["craft"] == DomainInfo(
        name="Craft", description="Building and running software."
    )
    assert [skill.slug for skill in document.skills][:3] == [
        "hw-testing",
        "hw-operations",
        "hw-planning",
    ]
    testing = document.skills[0]
    assert (testing.domain, testing.home_domain, testing.scale) == ("craft", "craft", "proficiency")
    assert testing.cells == {}
    assert list(testing.steps) == ["1", "3", "5"]
    assert testing.steps["5"].links == (
        Link(title="Test pyramid", url="https://example.org/test-pyramid"),
    )
    assert testing.steps["3"].examples == (
        "Added a regression test with every bug fix in a quarter.",
    )


def test_the_software_engineer_role_holds_what_the_example_says():
    document = parse_framework_document(_example())
    role = _role(document, "hw-software-engineer")

    assert role.framework == document.framework
    assert role.markdown is True
    assert role.source == ""
    assert (role.family, role.family_name) == ("hw-engineering", "Engineering")
    assert role.key_domains == ("craft",)
    assert role.layout_name == "matrix"
    assert role.grading == {"rule": "cumulative", "optional_share": 0.5}
    assert [track.code for track in role.tracks] == ["ic", "manager"]
    assert [scale.slug for scale in role.scales] == ["proficiency"]
    assert list(role.domains) == ["craft", "delivery", "people"]
    assert role.domain_names == {"craft": "Craft", "delivery": "Delivery", "people": "People"}
    assert [level.code for level in role.levels] == [
        "e1",
        "e2",
        "senior",
        "staff",
        "em",
        "principal",
        "director",
    ]
    e1 = role.levels[0]
    assert (e1.short, e1.rank, e1.track) == ("E1", 1, "")
    assert e1.sections == (
        Section(title="Scope", items=("Own tasks", "Parts of a feature")),
        Section(title="Experience", text="Usually 0–2 years."),
    )
    assert role.level("em").track == "manager"
    assert role.level("staff").track == "ic"
    assert role.level("e2").stack == ("Python", "PostgreSQL")

    hiring = role.skill("hw-hiring")
    assert (hiring.domain, hiring.home_domain) == ("delivery", "people")
    assert role.extensions["skill:hw-hiring"] == {
        "x-note": "Hiring sits under delivery in this role."
    }
    assert "e2" not in hiring.cells
    assert hiring.cells["e1"] == Cell(code="n/a")
    assert role.skill("hw-planning").row_description.startswith("For engineers")
    assert role.skill("hw-planning").description == ""
    assert role.skill("hw-coaching").description == "Helping others grow."

    senior = role.cell("hw-testing", "senior")
    assert senior == Cell(
        code="4",
        summary="Reviews others' tests",
        details="Reviews the tests in every change they review, and says when a test would not "
        "catch the defect.",
        examples=("Pointed out a test that passed with the fix reverted.",),
        links=(Link(title="Review guide", url="https://example.org/review-guide"),),
    )
    assert role.cell("hw-testing", "director") == Cell(code="n/a")
    assert role.cell("hw-testing", "em") == Cell(code="3", mandatory=False)
    assert list(role.skill("hw-testing").cells) == [level.code for level in role.levels]
    # Rows keep the document's order; the domains come in runs.
    assert [skill.slug for skill in role.skills] == [
        "hw-testing",
        "hw-operations",
        "hw-planning",
        "hw-coaching",
        "hw-hiring",
    ]
    assert role.layout() == (
        ("craft", ("hw-testing", "hw-operations")),
        ("delivery", ("hw-planning",)),
        ("people", ("hw-coaching",)),
        ("delivery", ("hw-hiring",)),
    )
    assert not role.fits_v1()


def test_the_other_example_roles_hold_what_the_example_says():
    document = parse_framework_document(_example())
    sre = _role(document, "hw-site-reliability")
    growth = _role(document, "hw-growth-ladder")
    head = _role(document, "hw-head-of-engineering")

    assert sre.layout_name == "checklist"
    assert sre.grading is None
    assert [level.short for level in sre.levels] == ["SRE I", "SRE II", "Senior SRE"]
    assert sre.tracks == ()
    assert [scale.slug for scale in sre.scales] == ["demonstrated"]
    assert sre.cell("hw-unblocks-others", "sre2") == Cell(
        code="Y", examples=("Paired with a teammate on a stuck migration.",)
    )
    assert sre.levels[0].sections == (
        Section(title="Expectations", items=("Is on call with a buddy.",)),
    )

    assert growth.layout_name == "steps"
    assert growth.grading == {"rule": "points", "thresholds": {"g1": 0, "g2": 4, "g3": 9, "g4": 18}}
    assert all(skill.cells == {} for skill in growth.skills)
    assert growth.skill("hw-shipping").steps["m1"] == Content(
        summary="Ships small changes safely.", examples=("A config change behind a flag.",)
    )
    assert [scale.slug for scale in growth.scales] == ["milestones"]

    assert head.levels == ()
    assert head.layout_name == ""
    assert head.family == "hw-leadership"
    assert [skill.slug for skill in head.skills] == ["hw-hiring"]
    assert list(head.domains) == ["people"]


@pytest.mark.parametrize(
    "slug",
    ["hw-software-engineer", "hw-site-reliability", "hw-growth-ladder", "hw-head-of-engineering"],
)
def test_each_example_role_survives_its_one_role_document(slug):
    state = _role(parse_framework_document(_example()), slug)

    written = document_write(state)

    assert written["format"] == FORMAT_V2
    assert [role["slug"] for role in written["roles"]] == [slug]
    assert not list(VALIDATOR.iter_errors(written))
    assert role_states(written)[0] == state
    assert role_states(dumps_role_document(written)) == (state,)


def test_a_one_role_document_declares_only_what_the_role_uses():
    state = _role(parse_framework_document(_example()), "hw-site-reliability")

    document = role_framework_document(state)

    assert [scale.slug for scale in document.scales] == ["demonstrated"]
    assert document.tracks == ()
    assert list(document.domains) == ["craft", "delivery", "people"]  # declaration order
    assert [skill.slug for skill in document.skills] == [
        "hw-asks-for-review",
        "hw-unblocks-others",
        "hw-owns-incidents",
    ]
    assert all(skill.cells == {} for skill in document.skills)
    assert document.roles == (state,)


# --- fixtures of our own ---------------------------------------------------------------------


@pytest.mark.parametrize("build", FIXTURES.values(), ids=FIXTURES.keys())
def test_fixtures_round_trip_byte_for_byte_and_satisfy_the_schema(build):
    raw = build()
    assert not list(VALIDATOR.iter_errors(raw))

    once = _exported(raw)
    twice = _exported(once)

    assert twice == once
    assert not list(VALIDATOR.iter_errors(json.loads(once)))
    document = parse_framework_document(raw)
    assert parse_framework_document(once) == document
    for state in document.roles:
        assert role_states(document_write(state)) == (state,)


def test_the_points_ladder_keeps_its_grading_as_given():
    role = parse_framework_document(FIXTURES["points ladder"]()).roles[0]

    assert role.grading == {
        "rule": "points",
        "points": {
            "stars": {"s1": 2, "s2": 5},
            "awe": {"A": 1, "W": 2, "E": 4},
            "milestones": {"M3": 7},
        },
        "thresholds": {"g1": 0, "g2": 3.5, "g3": 10},
        "x-rounding": "down",
    }
    assert list(role.grading) == ["rule", "points", "thresholds", "x-rounding"]
    assert [level.rank for level in role.levels] == [0, 1, 2]
    steps = role.scale("milestones").steps
    assert [step.points for step in steps] == [1, 2.5, 0]
    assert isinstance(steps[0].points, int)
    assert role.scale("").codes() == ("A", "W", "E")
    written = json.loads(_exported(FIXTURES["points ladder"]()))
    assert written["roles"][0]["levels"][0] == {"code": "g1", "name": "Grade 1", "rank": 0}
    assert written["scales"][0]["steps"][2] == {"code": "M3", "name": "Milestone 3", "points": 0}


def test_the_forked_ladder_keeps_tracks_steps_and_every_extension_in_place():
    document = parse_framework_document(FIXTURES["five-step forked"]())
    role = document.roles[0]

    assert [(level.code, level.track) for level in role.levels][3:] == [
        ("b4", "builder"),
        ("m4", "leader"),
        ("b5", "builder"),
        ("m5", "leader"),
    ]
    assert role.tracks[0].extensions == {"x-colour": "teal"}
    assert document.scales[0].extensions == {"x-origin": "tests"}
    assert dict(document.framework.source) == {
        "version": "3",
        "notes": "Made up for tests.",
        "x-id": 7,
    }
    care = role.skill("q-care")
    assert care.skill_extensions == {"x-owner": "guild"}
    assert list(care.steps) == ["1", "2", "3", "4", "5"]
    assert care.steps["2"].extensions == {"x-reviewed": True}
    assert care.steps["1"].links[0] == Link(
        url="https://example.org/care/1", extensions={"x-kind": "guide"}
    )
    assert role.extensions["cell:q-care:m5"] == {"x-why": "the team's health"}
    assert role.cell("q-care", "m5") == Cell(code="5")
    assert role.cell("q-design", "m5") == Cell(code="n/a")
    assert role.cell("q-design", "l3") == Cell(code="3", details="Designs alone.")


def test_the_checklist_keeps_its_level_sections():
    role = parse_framework_document(FIXTURES["yes/no checklist"]()).roles[0]

    assert role.layout_name == "checklist"
    assert role.levels[0].sections == (
        Section(title="Scope", text="Own tasks.", items=("One", "Two")),
        Section(title="Impact", items=("The team",), extensions={"x-icon": "star"}),
    )
    assert role.scale("yes-no").codes() == ("no", "yes")
    assert role.cell("cl-asks", "a1") == Cell(code="no")
    assert role.cell("cl-tidies", "a1") is None


def test_roles_on_one_band_each_keep_their_own_overrides():
    document = parse_framework_document(FIXTURES["band of roles"]())
    frontend, backend, data = document.roles

    assert [level.rank for level in frontend.levels] == [level.rank for level in backend.levels]
    # A track and a level may share a code.
    assert frontend.level("lead").track == "lead"
    assert frontend.code_names == {"E": "Leads"}
    assert frontend.code_descriptions == {"E": "Sets the direction."}
    assert frontend.extensions["code:A"] == {"x-hint": "default name, kept for this key"}
    assert frontend.extensions["family"] == {"x-cost-centre": "band-frontend"}
    assert frontend.extensions["role"] == {"x-team": "frontend"}
    assert frontend.extensions["level:p2"] == {"x-pay": "b2"}
    assert frontend.extensions["skill:band-testing"] == {"x-row": True}
    assert frontend.extensions["cell:band-testing:lead"] == {"x-n": 1}
    assert frontend.skill("band-testing").domain == "quality"
    assert frontend.skill("band-testing").row_description == "Browser tests, for frontend."
    # Naming the built-in scale says no more than leaving it out.
    assert frontend.skill("band-testing").scale == ""
    assert backend.code_names == {"W": "Does it"}
    assert backend.layout_name == "matrix"
    assert backend.skill("band-testing").domain == "core"
    assert backend.skill("band-review").domain == "quality"
    assert backend.grouped() == (("core", ("band-testing",)), ("quality", ("band-review",)))
    assert data.cell("band-testing", "p2") == Cell(code="", summary="Checks data.")
    assert data.layout_name == ""
    assert list(data.domains) == ["core"]
    assert "unused" in document.domains
    assert frontend.grading == {"rule": "cumulative", "optional_share": 0}
    written = json.loads(_exported(FIXTURES["band of roles"]()))["roles"]
    assert written[0]["legend"] == [
        {"code": "A", "name": "Awareness", "x-hint": "default name, kept for this key"},
        {"code": "E", "name": "Leads", "description": "Sets the direction."},
    ]
    assert written[1]["skills"][1] == {
        "skill": "band-review",
        "domain": "quality",
        "requirements": {"p1": None, "p2": None, "lead": "E"},
    }
    assert written[2]["skills"][1]["requirements"]["p2"] == {"summary": "Checks data."}


def test_a_role_may_have_no_levels():
    cto, empty = parse_framework_document(FIXTURES["role without levels"]()).roles

    assert cto.levels == ()
    assert cto.skill("solo-budget").row_description == "Owns it."
    assert empty.skills == ()
    # A key domain the role has no skills in is still one the role shows.
    assert empty.domains == {"leading": DomainInfo(name="Leading")}
    assert role_framework_document(empty).domains == empty.domains
    assert not cto.fits_v1()


def test_twelve_levels_get_default_short_names():
    role = parse_framework_document(FIXTURES["twelve levels"]()).roles[0]

    assert len(role.levels) == 12
    assert role.levels[0].short == "Technical staff mem…"
    assert len(role.levels[0].short) == SHORT_LENGTH
    assert list(role.skill("tw-11").cells) == ["t12"]
    written = json.loads(_exported(FIXTURES["twelve levels"]()))
    assert "short" not in written["roles"][0]["levels"][0]


def test_long_behaviour_names_are_kept_whole():
    document = parse_framework_document(FIXTURES["long behaviours"]())

    assert [len(skill.name) for skill in document.skills] == [400, 400, 400, LINE_LENGTH]


def test_markdown_and_raw_html_are_kept_verbatim():
    raw = FIXTURES["markdown everywhere"]()
    document = parse_framework_document(raw)
    role = document.roles[0]

    assert json.loads(_exported(raw)) == raw
    assert document.framework.description == raw["framework"]["description"]
    assert '<script>alert("x")</script>' in role.description
    assert role.level("m1").sections[0].items[0].startswith("item: **Bold**")
    assert role.cell("md-skill", "m1").links[0].url == 'https://example.org/<b>?q="x"'
    assert role.code_descriptions["W"].startswith("legend: ")


def test_default_short_names_fit_twenty_characters():
    assert default_short("Senior") == "Senior"
    assert default_short("x" * 20) == "x" * 20
    assert default_short("x" * 21) == "x" * 19 + "…"


def test_an_explicit_short_name_equal_to_the_default_is_not_written():
    raw = FIXTURES["yes/no checklist"]()
    raw["roles"][0]["levels"][0]["short"] = "Analyst"
    raw["roles"][0]["levels"][1]["short"] = "Senior"

    levels = json.loads(_exported(raw))["roles"][0]["levels"]

    assert "short" not in levels[0]
    assert levels[1]["short"] == "Senior"


def test_strings_are_stripped_and_empty_optional_keys_left_out():
    raw = FIXTURES["yes/no checklist"]()
    role = raw["roles"][0]
    role["title"] = "  Analyst \n"
    role["tagline"] = "   "
    role["description"] = None
    role["key_domains"] = []
    role["levels"][1]["sections"][0]["items"] = []

    written = json.loads(_exported(raw))["roles"][0]

    assert written["title"] == "Analyst"
    assert "tagline" not in written
    assert "description" not in written
    assert "key_domains" not in written
    assert written["levels"][1]["sections"] == [{"title": "Scope", "text": "A product area."}]


@pytest.mark.parametrize(
    ("cell", "expected", "place"),
    [
        ({"code": None}, None, None),
        ({}, None, None),
        ({"code": None, "mandatory": False}, None, None),
        ({"summary": "Only words"}, Cell(code="", summary="Only words"), None),
        ({"code": None, "x-note": 1}, Cell(code=""), {"x-note": 1}),
        ({"code": "3", "x-note": 1}, Cell(code="3"), {"x-note": 1}),
        ("n/a", Cell(code="n/a"), None),
    ],
)
def test_cells_of_every_kind(cell, expected, place):
    raw = _example()
    raw["roles"][0]["skills"][1]["requirements"]["senior"] = cell

    role = parse_framework_document(raw).roles[0]

    assert role.cell("hw-operations", "senior") == expected
    assert role.extensions.get("cell:hw-operations:senior") == place
    assert _exported(_exported(raw)) == _exported(raw)


def test_a_cell_with_extensions_is_written_as_an_object():
    raw = _example()
    raw["roles"][0]["skills"][1]["requirements"]["senior"] = {"code": "3", "x-note": 1}

    written = json.loads(_exported(raw))

    assert written["roles"][0]["skills"][1]["requirements"]["senior"] == {"code": "3", "x-note": 1}


def test_the_parsed_document_shares_nothing_with_its_input():
    raw = _example()
    document = parse_framework_document(raw)
    raw["framework"]["source"]["x-reviewed"] = "changed"
    raw["roles"][0]["grading"]["optional_share"] = 1
    raw["roles"][0]["skills"][4]["x-note"] = "changed"

    written = framework_document_write(document)
    written["roles"][0]["grading"]["optional_share"] = 0.9
    written["roles"][0]["skills"][4]["x-note"] = "changed again"

    role = document.roles[0]
    assert document.framework.source["x-reviewed"] == "2026-11"
    assert role.grading == {"rule": "cumulative", "optional_share": 0.5}
    assert role.extensions["skill:hw-hiring"] == {
        "x-note": "Hiring sits under delivery in this role."
    }


def test_the_limits_are_the_schemas():
    defs = SCHEMA["$defs"]
    role = defs["role"]["properties"]
    level = defs["level"]["properties"]
    content = defs["content"]["properties"]
    assert defs["line"]["maxLength"] == LINE_LENGTH
    assert defs["text"]["maxLength"] == TEXT_LENGTH
    assert defs["slug"]["maxLength"] == SLUG_LENGTH
    assert defs["levelCode"]["maxLength"] == LEVEL_CODE_LENGTH
    assert defs["link"]["properties"]["url"]["maxLength"] == URL_LENGTH
    assert level["short"]["maxLength"] == SHORT_LENGTH
    assert level["stack"]["items"]["maxLength"] == STACK_ITEM_LENGTH
    assert level["rank"]["maximum"] == MAX_RANK
    assert (
        defs["scale"]["properties"]["steps"]["items"]["properties"]["points"]["maximum"]
        == MAX_POINTS
    )
    points_rule = defs["grading"]["oneOf"][1]["properties"]
    assert points_rule["thresholds"]["additionalProperties"]["maximum"] == MAX_THRESHOLD
    assert {
        "scales": SCHEMA["properties"]["scales"]["maxItems"],
        "tracks": SCHEMA["properties"]["tracks"]["maxItems"],
        "domains": SCHEMA["properties"]["domains"]["maxItems"],
        "skills": SCHEMA["properties"]["skills"]["maxItems"],
        "roles": SCHEMA["properties"]["roles"]["maxItems"],
        "steps": defs["scale"]["properties"]["steps"]["maxItems"],
        "examples": content["examples"]["maxItems"],
        "links": content["links"]["maxItems"],
        "key_domains": role["key_domains"]["maxItems"],
        "legend": role["legend"]["maxItems"],
        "levels": role["levels"]["maxItems"],
        "stack": level["stack"]["maxItems"],
        "sections": level["sections"]["maxItems"],
        "items": defs["section"]["properties"]["items"]["maxItems"],
    } == MAX_ITEMS
    assert role["skills"]["maxItems"] == MAX_ITEMS["skills"]


# --- refusals --------------------------------------------------------------------------------


def _set(path: str, value):
    """A mutation of the example: set the value at a dotted path (list indexes as numbers)."""

    def mutate(document):
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str):
    def mutate(document):
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[int(last) if isinstance(target, list) else last]

    return mutate


def _tracks(count: int):
    return _set("tracks", [{"code": f"t{n}", "name": f"T{n}"} for n in range(count)])


def _track_named_like_a_level(document):
    document["tracks"][0]["code"] = "staff"
    for level in document["roles"][0]["levels"]:
        if level.get("track") == "ic":
            level["track"] = "staff"


def _levels(count: int):
    return _set("roles.3.levels", [{"code": f"l{n}", "name": f"L{n}"} for n in range(count)])


# (mutation, the message's start, whether the schema refuses it too: a shape error)
REFUSALS = [
    pytest.param(
        _set("format", "skillsmatrix.framework/v3"),
        "$.format: unknown format 'skillsmatrix.framework/v3', expected "
        "'skillsmatrix.framework/v2'",
        True,
        id="format",
    ),
    pytest.param(
        _delete("format"),
        "$.format: is missing (expected 'skillsmatrix.framework/v2')",
        True,
        id="format missing",
    ),
    pytest.param(
        _set("colour", "blue"),
        "$.colour: unknown key (expected format, framework, scales, tracks, domains, skills, "
        "roles, or an extension starting with 'x-')",
        True,
        id="unknown root key",
    ),
    pytest.param(_delete("framework"), "$.framework: is missing", True, id="framework missing"),
    pytest.param(
        _set("framework.slug", "Harbour Works"),
        "$.framework.slug: 'Harbour Works' is not valid (lowercase letters, digits, - and _, "
        "starting with a letter or digit)",
        True,
        id="slug pattern",
    ),
    pytest.param(
        _set("framework.source.url", "ftp://example.org"),
        "$.framework.source.url: 'ftp://example.org' is not an http:// or https:// address",
        True,
        id="source url",
    ),
    pytest.param(
        _set("framework.source.notes", 3),
        "$.framework.source.notes: must be a string, not a number",
        True,
        id="source notes type",
    ),
    pytest.param(
        _set("framework.source.owner", "me"),
        "$.framework.source.owner: unknown key",
        True,
        id="source unknown key",
    ),
    pytest.param(
        _set("scales", {}), "$.scales: must be an array, not an object", True, id="scales type"
    ),
    pytest.param(
        _set("scales.0.steps", []),
        "$.scales[0].steps: must list at least one step",
        True,
        id="no steps",
    ),
    pytest.param(
        _delete("scales.1.steps"), "$.scales[1].steps: is missing", True, id="steps missing"
    ),
    pytest.param(
        _set("scales.0.steps.0.code", "n/a"),
        "$.scales[0].steps[0].code: 'n/a' is not valid (1 to 16 letters, digits, _ . + or -, "
        "starting with a letter or digit)",
        True,
        id="step code n/a",
    ),
    pytest.param(
        _set("scales.0.steps.0.code", "x" * 17),
        "$.scales[0].steps[0].code: must be at most 16 characters (it has 17)",
        True,
        id="step code length",
    ),
    pytest.param(
        _set("scales.2.steps.0.points", -1),
        "$.scales[2].steps[0].points: must be from 0 to 1000000, not -1",
        True,
        id="points negative",
    ),
    pytest.param(
        _set("scales.2.steps.0.points", "3"),
        "$.scales[2].steps[0].points: must be a number, not a string",
        True,
        id="points type",
    ),
    pytest.param(
        _set("scales.2.steps.0.points", True),
        "$.scales[2].steps[0].points: must be a number, not a boolean",
        True,
        id="points boolean",
    ),
    pytest.param(
        _set("scales.0.slug", "awe"),
        "$.scales[0].slug: 'awe' is the built-in A/W/E scale and cannot be declared",
        False,
        id="awe declared",
    ),
    pytest.param(
        _set("scales.1.slug", "proficiency"),
        "$.scales[1].slug: duplicate scale 'proficiency' (already at $.scales[0].slug)",
        False,
        id="duplicate scale",
    ),
    pytest.param(
        _set("scales.0.steps.1.code", "1"),
        "$.scales[0].steps[1].code: duplicate step '1' (already at $.scales[0].steps[0].code)",
        False,
        id="duplicate step",
    ),
    pytest.param(
        _set("tracks.1.code", "ic"),
        "$.tracks[1].code: duplicate track 'ic' (already at $.tracks[0].code)",
        False,
        id="duplicate track",
    ),
    pytest.param(
        _tracks(21), "$.tracks: has 21 items, at most 20 are allowed", True, id="too many tracks"
    ),
    pytest.param(
        _set("domains.1.slug", "craft"),
        "$.domains[1].slug: duplicate domain 'craft' (already at $.domains[0].slug)",
        False,
        id="duplicate domain",
    ),
    pytest.param(
        _set("domains.1.name", " "), "$.domains[1].name: must not be empty", False, id="empty name"
    ),
    pytest.param(
        _set("skills.1.slug", "hw-testing"),
        "$.skills[1].slug: duplicate skill 'hw-testing' (already at $.skills[0].slug)",
        False,
        id="duplicate skill",
    ),
    pytest.param(
        _set("skills.0.scale", "grit"),
        "$.skills[0].scale: unknown scale 'grit' (expected one of awe, proficiency, demonstrated, "
        "milestones)",
        False,
        id="unknown scale",
    ),
    pytest.param(
        _set("skills.0.domain", "art"),
        "$.skills[0].domain: unknown domain 'art' (expected one of craft, delivery, people, "
        "hw-impact)",
        False,
        id="unknown skill domain",
    ),
    pytest.param(
        _delete("skills.0.domain"),
        "$.skills[0].domain: is missing",
        True,
        id="skill domain missing",
    ),
    pytest.param(
        _set("skills.0.name", "x" * 501),
        "$.skills[0].name: must be at most 500 characters (it has 501)",
        True,
        id="line too long",
    ),
    pytest.param(
        _set("skills.0.steps.6", {"summary": "Six"}),
        "$.skills[0].steps.6: '6' is not a step of scale 'proficiency'",
        False,
        id="skill step unknown",
    ),
    pytest.param(
        _set("skills.0.steps.1.colour", "red"),
        "$.skills[0].steps.1.colour: unknown key (expected summary, details, examples, links, or "
        "an extension starting with 'x-')",
        True,
        id="content unknown key",
    ),
    pytest.param(
        _set("skills.0.steps.3.examples", ["ok", 3]),
        "$.skills[0].steps.3.examples[1]: must be a string, not a number",
        True,
        id="example type",
    ),
    pytest.param(
        _set("skills.0.steps.3.examples", ["x"] * 101),
        "$.skills[0].steps.3.examples: has 101 items, at most 100 are allowed",
        True,
        id="too many examples",
    ),
    pytest.param(
        _set("skills.0.steps.5.links.0.url", "javascript:alert(1)"),
        "$.skills[0].steps.5.links[0].url: 'javascript:alert(1)' is not an http:// or https:// "
        "address",
        True,
        id="link url",
    ),
    pytest.param(
        _delete("skills.0.steps.5.links.0.url"),
        "$.skills[0].steps.5.links[0].url: is missing",
        True,
        id="link url missing",
    ),
    pytest.param(_set("roles", []), "$.roles: must list at least one role", True, id="no roles"),
    pytest.param(
        _set("roles.1.slug", "hw-software-engineer"),
        "$.roles[1].slug: duplicate role 'hw-software-engineer' (already at $.roles[0].slug)",
        False,
        id="duplicate role",
    ),
    pytest.param(
        _set("roles.0.title", 7),
        "$.roles[0].title: must be a string, not a number",
        True,
        id="title type",
    ),
    pytest.param(
        _set("roles.0.description", "x" * 20001),
        "$.roles[0].description: must be at most 20000 characters (it has 20001)",
        True,
        id="text too long",
    ),
    pytest.param(
        _delete("roles.0.family"), "$.roles[0].family: is missing", True, id="family missing"
    ),
    pytest.param(
        _delete("roles.0.levels"), "$.roles[0].levels: is missing", True, id="levels missing"
    ),
    pytest.param(
        _delete("roles.0.skills"), "$.roles[0].skills: is missing", True, id="rows missing"
    ),
    pytest.param(
        _set("roles.0.key_domains", ["art"]),
        "$.roles[0].key_domains[0]: unknown domain 'art'",
        False,
        id="unknown key domain",
    ),
    pytest.param(
        _set("roles.0.layout", "grid"),
        "$.roles[0].layout: must be one of matrix, checklist, steps, not 'grid'",
        True,
        id="layout",
    ),
    pytest.param(
        _set("roles.0.legend", [{"code": "A", "name": "Aware"}, {"code": "A", "name": "Again"}]),
        "$.roles[0].legend[1].code: duplicate legend code 'A' (already at "
        "$.roles[0].legend[0].code)",
        False,
        id="duplicate legend code",
    ),
    pytest.param(
        _set("roles.0.legend", [{"code": "Y", "name": "Yes"}]),
        "$.roles[0].legend[0].code: must be A, W or E (a legend renames the built-in scale's "
        "steps), not 'Y'",
        False,
        id="legend code",
    ),
    pytest.param(
        _set("roles.0.levels.1.code", "e1"),
        "$.roles[0].levels[1].code: duplicate level 'e1' (already at $.roles[0].levels[0].code)",
        False,
        id="duplicate level",
    ),
    pytest.param(
        _set("roles.0.levels.1.code", "Senior"),
        "$.roles[0].levels[1].code: 'Senior' is not valid",
        True,
        id="level code pattern",
    ),
    pytest.param(
        _set("roles.0.levels.3.track", "architect"),
        "$.roles[0].levels[3].track: unknown track 'architect' (expected one of ic, manager)",
        False,
        id="unknown track",
    ),
    pytest.param(
        _set("roles.0.levels.0.short", "x" * 21),
        "$.roles[0].levels[0].short: must be at most 20 characters (it has 21)",
        True,
        id="short too long",
    ),
    pytest.param(
        _set("roles.0.levels.1.stack", ["x" * 201]),
        "$.roles[0].levels[1].stack[0]: must be at most 200 characters (it has 201)",
        True,
        id="stack item too long",
    ),
    pytest.param(
        _set("roles.0.levels.0.rank", 2.5),
        "$.roles[0].levels[0].rank: must be a whole number, not 2.5",
        True,
        id="rank fraction",
    ),
    pytest.param(
        _set("roles.0.levels.0.rank", 1001),
        "$.roles[0].levels[0].rank: must be from 0 to 1000, not 1001",
        True,
        id="rank range",
    ),
    pytest.param(
        _set("roles.0.levels.0.sections.0", {"text": "No title"}),
        "$.roles[0].levels[0].sections[0].title: is missing",
        True,
        id="section title",
    ),
    pytest.param(
        _levels(31),
        "$.roles[3].levels: has 31 items, at most 30 are allowed",
        True,
        id="too many levels",
    ),
    pytest.param(
        _set("roles.0.skills.0.skill", "hw-juggling"),
        "$.roles[0].skills[0].skill: unknown skill 'hw-juggling' (expected one of hw-testing, ",
        False,
        id="unknown skill",
    ),
    pytest.param(
        _set("roles.0.skills.1.skill", "hw-testing"),
        "$.roles[0].skills[1].skill: duplicate row of skill 'hw-testing' (already at "
        "$.roles[0].skills[0].skill)",
        False,
        id="duplicate row",
    ),
    pytest.param(
        _set("roles.0.skills.4.domain", "art"),
        "$.roles[0].skills[4].domain: unknown domain 'art'",
        False,
        id="unknown row domain",
    ),
    pytest.param(
        _delete("roles.0.skills.0.requirements"),
        "$.roles[0].skills[0].requirements: is missing",
        True,
        id="requirements missing",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.lead", "3"),
        "$.roles[0].skills[0].requirements.lead: unknown level 'lead' (expected one of e1, e2, "
        "senior, staff, em, principal, director)",
        False,
        id="unknown level",
    ),
    pytest.param(
        _set("roles.3.skills.0.requirements", {"e1": "3"}),
        "$.roles[3].skills[0].requirements.e1: unknown level 'e1' (the role has no levels)",
        False,
        id="no levels to require",
    ),
    pytest.param(
        _set("roles.0.skills.2.requirements.senior", "6"),
        "$.roles[0].skills[2].requirements.senior: '6' is not a step of scale 'proficiency'",
        False,
        id="cell not a step",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.senior.code", "Y"),
        "$.roles[0].skills[0].requirements.senior.code: 'Y' is not a step of scale 'proficiency'",
        False,
        id="cell object not a step",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.senior.code", "n/a"),
        "$.roles[0].skills[0].requirements.senior.code: 'n/a' is not a step of scale 'proficiency'",
        True,
        id="n/a with content",
    ),
    pytest.param(
        _set("roles.1.skills.0.requirements.sre1", "A"),
        "$.roles[1].skills[0].requirements.sre1: 'A' is not a step of scale 'demonstrated'",
        False,
        id="awe code on another scale",
    ),
    pytest.param(
        _set(
            "roles.3.skills",
            [
                {"skill": "hw-hiring", "requirements": {}},
                {"skill": "hw-mentoring", "requirements": {}},
            ],
        ),
        None,
        False,
        id="valid: no levels, empty requirements",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.e1", 3),
        "$.roles[0].skills[0].requirements.e1: must be null, 'n/a', a step code of scale "
        "'proficiency' or an object, not a number",
        True,
        id="cell type",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.em.mandatory", "no"),
        "$.roles[0].skills[0].requirements.em.mandatory: must be true or false, not a string",
        True,
        id="mandatory type",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.em.colour", "red"),
        "$.roles[0].skills[0].requirements.em.colour: unknown key (expected code, mandatory, "
        "summary, details, examples, links, or an extension",
        True,
        id="cell unknown key",
    ),
    pytest.param(
        _set("roles.0.skills.0.requirements.senior.summary", "x" * 501),
        "$.roles[0].skills[0].requirements.senior.summary: must be at most 500 characters",
        True,
        id="cell summary too long",
    ),
    pytest.param(
        _delete("roles.0.grading.rule"),
        "$.roles[0].grading.rule: is missing (expected 'cumulative' or 'points')",
        True,
        id="rule missing",
    ),
    pytest.param(
        _set("roles.0.grading.rule", "average"),
        "$.roles[0].grading.rule: must be 'cumulative' or 'points', not 'average'",
        True,
        id="rule unknown",
    ),
    pytest.param(
        _set("roles.0.grading.optional_share", 1.5),
        "$.roles[0].grading.optional_share: must be from 0 to 1, not 1.5",
        True,
        id="optional share range",
    ),
    pytest.param(
        _set("roles.0.grading.thresholds", {}),
        "$.roles[0].grading.thresholds: unknown key (expected rule, optional_share, ",
        True,
        id="cumulative with thresholds",
    ),
    pytest.param(
        _delete("roles.2.grading.thresholds"),
        "$.roles[2].grading.thresholds: is missing (the points each level needs)",
        True,
        id="thresholds missing",
    ),
    pytest.param(
        _set("roles.2.grading.thresholds.g9", 30),
        "$.roles[2].grading.thresholds.g9: unknown level 'g9' (expected one of g1, g2, g3, g4)",
        False,
        id="threshold unknown level",
    ),
    pytest.param(
        _set("roles.2.grading.thresholds.g4", -3),
        "$.roles[2].grading.thresholds.g4: must be from 0 to 100000000, not -3",
        True,
        id="threshold range",
    ),
    pytest.param(
        _set("roles.2.grading.points", {"stamina": {}}),
        "$.roles[2].grading.points.stamina: unknown scale 'stamina' (expected one of awe, "
        "proficiency, demonstrated, milestones)",
        False,
        id="points unknown scale",
    ),
    pytest.param(
        _set("roles.2.grading.points", {"proficiency": {"1": 1}}),
        "$.roles[2].grading.points.proficiency: scale 'proficiency' is not used by this role's "
        "skills (they use milestones)",
        False,
        id="points unused scale",
    ),
    pytest.param(
        _set("roles.2.grading.points", {"milestones": {"m9": 1}}),
        "$.roles[2].grading.points.milestones.m9: 'm9' is not a step of scale 'milestones'",
        False,
        id="points unknown step",
    ),
    pytest.param(
        _set("roles.2.grading.points", {"milestones": {"m1": -1}}),
        "$.roles[2].grading.points.milestones.m1: must be from 0 to 1000000, not -1",
        True,
        id="points table range",
    ),
    pytest.param(
        _delete("scales.2.steps.1.points"),
        "$.roles[2].grading: step 'm2' of scale 'milestones' has no points (give the step points, "
        "or set grading.points.milestones.m2)",
        False,
        id="step without points",
    ),
    pytest.param(
        _set("roles.2.grading.points", {"milestones": {"m2": 0}}),
        None,
        False,
        id="valid: the table gives missing points",
    ),
    pytest.param(
        _set("roles.2.skills.1.skill", "hw-testing"),
        "$.roles[2].grading: step '1' of scale 'proficiency' has no points",
        False,
        id="points rule on a scale without points",
    ),
    pytest.param(
        _track_named_like_a_level, None, False, id="valid: a track and a level share a code"
    ),
]


@pytest.mark.parametrize(("mutate", "message", "shape"), REFUSALS)
def test_refusals_name_the_json_path_in_one_line(mutate, message, shape):
    document = _example()
    mutate(document)

    if message is None:
        assert parse_framework_document(document).roles
        assert VALIDATOR.is_valid(document)
        return
    with pytest.raises(RoleDocumentError) as refused:
        parse_framework_document(document)

    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    assert str(refused.value) == f"{refused.value.path}: {refused.value.problem}"
    # Shape errors are the schema's too; the others are what only the parser can see.
    assert VALIDATOR.is_valid(document) is not shape


def test_the_cell_step_refusal_has_its_exact_wording():
    document = _example()
    document["roles"][0]["skills"][2]["requirements"]["senior"] = "6"

    with pytest.raises(RoleDocumentError) as refused:
        parse_framework_document(document)

    assert str(refused.value) == (
        "$.roles[0].skills[2].requirements.senior: '6' is not a step of scale 'proficiency'"
    )


def test_refusals_of_what_is_not_a_document():
    with pytest.raises(RoleDocumentError, match=r"^\$: must be an object, not an array$"):
        parse_framework_document("[]")
    with pytest.raises(RoleDocumentError, match=r"^\$: not valid JSON"):
        parse_framework_document(b"{")
    with pytest.raises(
        RoleDocumentError, match=r"^\$\.roles\[0\]: must be an object, not a string$"
    ):
        parse_framework_document({**_example(), "roles": ["x"]})


def test_long_values_are_cut_in_refusals():
    document = _example()
    document["skills"][0]["scale"] = "a" * 90

    with pytest.raises(RoleDocumentError) as refused:
        parse_framework_document(document)

    assert f"unknown scale '{'a' * 60}…'" in str(refused.value)


# --- both formats ----------------------------------------------------------------------------


def test_parse_document_dispatches_on_the_format(seed_document):
    v1 = parse_document(json.dumps(seed_document))
    v2 = parse_document(_example_text())

    assert isinstance(v1, RoleDocument)
    assert v1 == parse_role_document(seed_document)
    assert isinstance(v2, FrameworkDocument)
    assert v2 == parse_framework_document(_example_text())


@pytest.mark.parametrize(
    ("root", "message"),
    [
        (
            {"role": {}},
            "$.format: is missing (expected 'skillsmatrix.role/v1' or 'skillsmatrix.framework/v2')",
        ),
        (
            {"format": "skillsmatrix.role/v2"},
            "$.format: unknown format 'skillsmatrix.role/v2', expected 'skillsmatrix.role/v1' or "
            "'skillsmatrix.framework/v2'",
        ),
        ({"format": 2}, "$.format: unknown format 2, expected 'skillsmatrix.role/v1' or "),
        ([], "$: must be an object, not an array"),
    ],
)
def test_parse_document_refuses_an_unknown_format_naming_both(root, message):
    with pytest.raises(RoleDocumentError) as refused:
        parse_document(json.dumps(root))

    assert str(refused.value).startswith(message)


def test_parse_document_reports_a_v1_document_with_v1_checks(seed_document):
    seed_document["levels"] = []

    with pytest.raises(RoleDocumentError, match=r"^\$\.levels: must list at least one level$"):
        parse_document(seed_document)


def test_role_states_of_either_format(seed_document):
    (v1,) = role_states(seed_document)
    v2 = role_states(_example_text())

    assert v1 == parse_role_document(seed_document).to_state()
    assert [state.slug for state in v2] == [
        "hw-software-engineer",
        "hw-site-reliability",
        "hw-growth-ladder",
        "hw-head-of-engineering",
    ]


def test_document_write_keeps_v1_for_a_role_v1_holds():
    text = (ROLES_DIR / "data" / "mlops-engineer.json").read_text(encoding="utf-8")
    document = parse_document(text)
    (state,) = role_states(text)
    assert isinstance(document, RoleDocument)
    assert state == document.to_state()

    written = document_write(state)

    assert state.fits_v1()
    assert written == role_document_write(state)
    assert dumps_role_document(written) == dumps_role_document(role_document_write(state))
    assert written["format"] == "skillsmatrix.role/v1"


def test_document_write_turns_to_v2_for_a_v1_role_that_no_longer_fits(seed_document):
    (state,) = role_states(seed_document)
    docker = state.skill("docker")
    changed = replace(
        state,
        source="https://example.org/ladder",
        key_domains=(*state.key_domains, "Maths & stats"),
        skills=tuple(
            replace(skill, cells={**skill.cells, "junior": Cell(code="n/a")})
            if skill.slug == "docker"
            else skill
            for skill in state.skills
        ),
    )

    written = document_write(changed)

    assert written["format"] == FORMAT_V2
    assert not list(VALIDATOR.iter_errors(written))
    assert written["framework"] == {
        "slug": "skillsmatrix",
        "name": "Skills Matrix",
        "source": {"url": "https://example.org/ladder"},
    }
    (back,) = role_states(written)
    assert back.cell("docker", "junior") == Cell(code="n/a")
    assert back.skill("docker").domain == docker.domain
    # v1 names its key domains; v2 refers to them by slug.
    assert back.key_domains == (
        *(
            next(slug for slug, name in state.domain_names.items() if name == key)
            for key in state.key_domains
        ),
        "maths-stats",
    )
    assert back.domains["maths-stats"] == DomainInfo(name="Maths & stats")
    assert [(s.slug, s.domain, dict(s.cells)) for s in back.skills] == [
        (s.slug, s.domain, dict(s.cells)) for s in changed.skills
    ]
    assert {slug: info.name for slug, info in back.domains.items()} == {
        **state.domain_names,
        "maths-stats": "Maths & stats",
    }
    assert dumps_role_document(document_write(back)) == dumps_role_document(written)


def test_a_written_document_is_a_copy():
    state = _role(parse_framework_document(_example()), "hw-software-engineer")
    written = document_write(state)

    written["framework"]["source"]["x-reviewed"] = "changed"
    written["roles"][0]["grading"]["rule"] = "points"

    assert state.framework.source["x-reviewed"] == "2026-11"
    assert state.grading == {"rule": "cumulative", "optional_share": 0.5}
    assert copy.deepcopy(document_write(state)) == document_write(state)


def test_a_skills_steps_are_written_in_the_scales_order():
    raw = _example()
    steps = raw["skills"][0]["steps"]
    raw["skills"][0]["steps"] = {code: steps[code] for code in ("5", "1", "3")}

    document = parse_framework_document(raw)

    assert list(document.skills[0].steps) == ["1", "3", "5"]
    assert _exported(raw) == _example_text()


def test_a_one_role_document_declares_every_domain_its_rows_need():
    """A state whose domains are not filled in (as a role read from elsewhere may be) still
    writes a document that declares the home domain of each skill it moved."""
    role = _role(parse_framework_document(_example()), "hw-software-engineer")
    hiring = role.skill("hw-hiring")
    state = replace(role, skills=(hiring,), domains={}, domain_names={"delivery": "Delivery"})

    written = document_write(state)

    assert [domain["slug"] for domain in written["domains"]] == ["delivery", "people", "craft"]
    (back,) = role_states(written)
    assert back.key_domains == ("craft",)
    assert (back.skill("hw-hiring").domain, back.skill("hw-hiring").home_domain) == (
        "delivery",
        "people",
    )
