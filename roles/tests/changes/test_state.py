"""roles/changes/state.py: a role's content as plain data. Pure, so no database here."""

from __future__ import annotations

from roles.changes.state import Cell, RoleState, SkillState
from roles.document import parse_role_document
from roles.tests.factories import role_document


def test_document_state_round_trips_through_the_writer(seed_document):
    from roles.document import dumps_role_document, role_document_write

    document = role_document(domains=2, skills_per_domain=3)
    document["x-top"] = {"b": 1, "a": [1, 2]}
    state = parse_role_document(document).to_state()
    text = dumps_role_document(role_document_write(state))
    again = parse_role_document(text).to_state()
    assert again == state
    assert dumps_role_document(role_document_write(again)) == text


def test_a_state_finds_its_levels_skills_and_cells(seed_state):
    assert seed_state.level("senior").code == "senior"
    assert seed_state.level("staff") is None
    assert seed_state.skill("docker").domain == "cloud-infrastructure"
    assert seed_state.skill("cobol") is None
    assert seed_state.cell("docker", "senior") == Cell(code="A")
    assert seed_state.cell("docker", "staff") is None
    assert seed_state.cell("cobol", "senior") is None
    assert seed_state.code_name("E") == "Expert"


def test_layout_groups_each_run_of_a_domain_in_order():
    def skill(slug, domain):
        return SkillState(slug=slug, name=slug.upper(), domain=domain)

    state = RoleState(
        slug="r",
        title="R",
        family="f",
        family_name="F",
        skills=(skill("a", "x"), skill("b", "y"), skill("c", "y")),
    )
    assert state.layout() == (("x", ("a",)), ("y", ("b", "c")))
