"""Importing format v2 documents through the services: what is written, what is refused (and
that a refusal writes nothing), versions, and shared parts that change in every role."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from roles.changes.parts import SetCell, SetScale
from roles.changes.state import Cell, ScaleState, Step
from roles.document import RoleDocumentError, dumps_role_document
from roles.models import Framework, Requirement, Role, RoleVersion, Scale, Skill, SkillDomain
from roles.selectors import framework_document_get, role_document_get, role_state_get
from roles.services import document_import, role_change_apply
from roles.tests import framework_fixtures

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "harbour-works.framework.json"
SEED = Path(__file__).resolve().parents[1] / "data" / "mlops-engineer.json"


def _example() -> dict:
    return json.loads(EXAMPLE.read_text())


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Framework, Scale, Skill, SkillDomain, Role, Requirement, RoleVersion)
    )


def test_the_worked_example_imports_and_exports_byte_identically():
    results = document_import(raw=EXAMPLE.read_bytes())
    assert [r.role.slug for r in results] == [
        "hw-software-engineer",
        "hw-site-reliability",
        "hw-growth-ladder",
        "hw-head-of-engineering",
    ]
    assert all(r.created and r.version.number == 1 for r in results)
    assert dumps_role_document(framework_document_get(slug="harbour-works")) == (
        EXAMPLE.read_text()
    )
    # Each role's version snapshot is the one-role v2 document of that role.
    version = RoleVersion.objects.get(role__slug="hw-software-engineer")
    assert version.snapshot["format"] == "skillsmatrix.framework/v2"
    assert [r["slug"] for r in version.snapshot["roles"]] == ["hw-software-engineer"]


def test_reimporting_unchanged_makes_no_version_and_export_import_export_is_stable():
    document_import(raw=EXAMPLE.read_bytes())
    exported = dumps_role_document(framework_document_get(slug="harbour-works"))
    again = document_import(raw=exported)
    assert all(result.version is None for result in again)
    assert dumps_role_document(framework_document_get(slug="harbour-works")) == exported


def test_the_seed_keeps_its_v1_export_beside_a_v2_framework():
    document_import(raw=SEED.read_bytes())
    before = dumps_role_document(role_document_get(slug="mlops-engineer"))
    document_import(raw=EXAMPLE.read_bytes())
    assert dumps_role_document(role_document_get(slug="mlops-engineer")) == before
    assert role_document_get(slug="mlops-engineer")["format"] == "skillsmatrix.role/v1"
    # Two frameworks' skills never merge: Harbour Works' skills are its own.
    assert Skill.objects.filter(framework__slug="harbour-works").count() == 10


def test_the_database_holds_every_v2_part():
    document_import(raw=EXAMPLE.read_bytes())
    state = role_state_get(role=Role.objects.get(slug="hw-software-engineer"))
    assert [t.code for t in state.tracks] == ["ic", "manager"]
    assert state.level("em").track == "manager"
    assert state.level("em").rank == 4
    assert state.level("e1").sections[0].items == ("Own tasks", "Parts of a feature")
    assert state.cell("hw-testing", "director").not_applicable
    senior = state.cell("hw-testing", "senior")
    assert senior.summary == "Reviews others' tests"
    assert senior.links[0].url == "https://example.org/review-guide"
    assert state.cell("hw-testing", "em") == Cell(code="3", mandatory=False)
    hiring = state.skill("hw-hiring")
    assert (hiring.domain, hiring.home_domain) == ("delivery", "people")
    assert state.skill("hw-planning").row_description.startswith("For engineers")
    assert state.scale("proficiency").step("4").name == "Practitioner"
    assert state.skill("hw-testing").steps["5"].links[0].title == "Test pyramid"
    # Rows keep the document's order; the page groups them by domain.
    assert [s.slug for s in state.skills][3:] == ["hw-coaching", "hw-hiring"]
    assert dict(state.grouped())["delivery"] == ("hw-planning", "hw-hiring")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["roles"][0]["skills"][2]["requirements"].update(senior="6"),
            "$.roles[0].skills[2].requirements.senior: '6' is not a step of scale 'proficiency'",
        ),
        (lambda d: d["roles"][0]["levels"][3].update(track="staffing"), "$.roles[0].levels[3]"),
        (lambda d: d["skills"][0].update(scale="nope"), "$.skills[0].scale"),
        (lambda d: d.update(format="skillsmatrix.framework/v3"), "$.format"),
        (lambda d: d["roles"][0].update(title="x" * 501), "$.roles[0].title"),
    ],
)
def test_a_bad_document_is_one_line_naming_its_path_and_writes_nothing(mutate, message):
    document_import(raw=SEED.read_bytes())
    before = _counts()
    document = _example()
    mutate(document)
    with pytest.raises(RoleDocumentError) as refused:
        document_import(raw=document)
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)
    assert _counts() == before


def test_a_role_of_another_framework_is_not_taken_over():
    document_import(raw=SEED.read_bytes())
    document = _example()
    document["roles"][3]["slug"] = "mlops-engineer"
    before = _counts()
    with pytest.raises(RoleDocumentError, match=r"roles\[3\]\.slug.*belongs to the framework"):
        document_import(raw=document)
    assert _counts() == before


def _two_engineers() -> dict:
    """The worked example with a second role on the proficiency scale."""
    document = _example()
    twin = copy.deepcopy(document["roles"][0])
    twin.update(slug="hw-platform-engineer", title="Platform Engineer")
    document["roles"].append(twin)
    return document


def test_a_changed_shared_scale_makes_a_version_in_every_role_that_uses_it():
    document = _two_engineers()
    document_import(raw=document)
    changed = copy.deepcopy(document)
    scale = changed["scales"][0]
    scale["steps"][0]["name"] = "Aware (renamed)"
    # A document holding only one of the roles still changes the scale of both.
    document_import(raw={**changed, "roles": changed["roles"][:1]})
    for slug in ("hw-software-engineer", "hw-platform-engineer"):
        role = Role.objects.get(slug=slug)
        assert role.current_version == 2
        assert role_state_get(role=role).scale("proficiency").steps[0].name == "Aware (renamed)"
        assert RoleVersion.objects.get(role=role, number=2).snapshot["scales"][0] == scale
    # Roles that do not use the scale get no version.
    assert Role.objects.get(slug="hw-site-reliability").current_version == 1


def test_a_shared_change_through_the_change_set_service_follows_into_other_roles():
    document_import(raw=_two_engineers())
    role = Role.objects.get(slug="hw-software-engineer")
    state = role_state_get(role=role)
    old = state.scale("proficiency")
    renamed = ScaleState(
        slug=old.slug,
        name=old.name,
        steps=(Step(code=old.steps[0].code, name="Renamed"), *old.steps[1:]),
    )
    version = role_change_apply(
        role=role, changes=[SetScale(scale=renamed)], author=None, source="admin"
    )
    assert version is not None
    twin = Role.objects.get(slug="hw-platform-engineer")
    assert twin.current_version == 2
    assert role_state_get(role=twin).scale("proficiency").steps[0].name == "Renamed"
    assert Role.objects.get(slug="hw-growth-ladder").current_version == 1


def test_a_cell_off_its_scale_is_refused_naming_the_steps():
    document_import(raw=EXAMPLE.read_bytes())
    role = Role.objects.get(slug="hw-software-engineer")
    with pytest.raises(
        Exception, match=r"'E' is not a step of scale 'proficiency' \(1, 2, 3, 4, 5\)"
    ):
        role_change_apply(
            role=role,
            changes=[SetCell(skill="hw-testing", level="e1", cell=Cell(code="E"))],
            author=None,
            source="admin",
        )
    assert role.current_version == 1


@pytest.mark.parametrize("name", sorted(framework_fixtures.FIXTURES))
def test_every_fixture_imports_and_exports_byte_stably(name, tmp_path):
    document = framework_fixtures.FIXTURES[name]()
    document_import(raw=document)
    slug = document["framework"]["slug"]
    first = dumps_role_document(framework_document_get(slug=slug))
    assert all(result.version is None for result in document_import(raw=first))
    assert dumps_role_document(framework_document_get(slug=slug)) == first
    # The commands do the same.
    out = tmp_path / "out.json"
    call_command("export_framework", slug, output=str(out))
    assert out.read_text() == first
