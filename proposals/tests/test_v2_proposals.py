"""Proposals on a format v2 role (the worked example): set_cell, set_row and set_level_field go
through voting and review to a new version; the editor speaks the skill's own steps."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from proposals.models import Proposal, ProposalTarget
from proposals.selectors import proposal_preview
from proposals.services import expertise_grant, proposal_create, review_submit
from proposals.tests.factories import UserFactory
from roles.models import Role, RoleVersion, SkillDomain
from roles.services import document_import

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
ROLE = "hw-software-engineer"


@pytest.fixture
def hw_role() -> Role:
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug=ROLE)


def _accepted(role: Role, changes: list[dict]) -> Proposal:
    """A proposal of ``changes`` taken through review (voting is skipped: its rules have their
    own tests) until its changes are applied."""
    author = UserFactory.create()
    proposal = proposal_create(
        role=role, author=author, title="A v2 change", rationale="Because.", changes=changes
    )
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    proposal.refresh_from_db()
    for _index in range(django_settings.REVIEW_APPROVALS):
        expert = UserFactory.create()
        expertise_grant(user=expert)
        review_submit(proposal=proposal, reviewer=expert, decision="approve", comment="Yes.")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ACCEPTED, proposal.conflicts
    return proposal


def _snapshot_role(proposal: Proposal) -> dict:
    version = RoleVersion.objects.get(pk=proposal.applied_version_id)
    snapshot = version.snapshot
    roles = snapshot.get("roles")
    return roles[0] if roles else snapshot


def _row(role: dict, skill: str) -> dict:
    return next(row for row in role["skills"] if row["skill"] == skill)


def test_a_set_cell_proposal_is_applied_with_its_words(hw_role):
    cell = {"code": "4", "summary": "Tests the hard cases", "details": "Property-based **too**."}
    proposal = _accepted(
        hw_role, [{"op": "set_cell", "skill": "hw-testing", "level": "e2", "cell": cell}]
    )
    role = _snapshot_role(proposal)
    assert _row(role, "hw-testing")["requirements"]["e2"] == cell
    hw_role.refresh_from_db()
    assert hw_role.current_version == 2


def test_a_set_cell_proposal_marks_a_cell_not_applicable(hw_role):
    change = {"op": "set_cell", "skill": "hw-operations", "level": "director", "cell": "n/a"}
    role = _snapshot_role(_accepted(hw_role, [change]))
    assert _row(role, "hw-operations")["requirements"]["director"] == "n/a"


def test_a_set_row_proposal_is_applied(hw_role):
    change = {"op": "set_row", "skill": "hw-testing", "description": "Tests *our* services."}
    role = _snapshot_role(_accepted(hw_role, [change]))
    assert _row(role, "hw-testing")["description"] == "Tests *our* services."


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("rank", 7, 7),
        ("track", "ic", "ic"),
        (
            "sections",
            [{"title": "Scope", "items": ["A team"]}],
            [{"title": "Scope", "items": ["A team"]}],
        ),
    ],
)
def test_a_set_level_field_proposal_is_applied(hw_role, field, value, expected):
    change = {"op": "set_level_field", "level": "senior", "field": field, "value": value}
    role = _snapshot_role(_accepted(hw_role, [change]))
    level = next(level for level in role["levels"] if level["code"] == "senior")
    assert level[field] == expected


def test_targets_name_the_touched_skills_domains_in_the_roles_framework(hw_role):
    author = UserFactory.create()
    proposal = proposal_create(
        role=hw_role,
        author=author,
        title="t",
        rationale="r",
        changes=[
            {"op": "set_cell", "skill": "hw-testing", "level": "e1", "cell": "3"},
            {"op": "set_row", "skill": "hw-coaching", "description": "Coaching."},
            {"op": "set_level_field", "level": "e1", "field": "rank", "value": 9},
        ],
    )
    targets = {
        (t.skill, t.level): t.domain for t in ProposalTarget.objects.filter(proposal=proposal)
    }
    craft = SkillDomain.objects.get(slug="craft", framework=hw_role.framework)
    people = SkillDomain.objects.get(slug="people", framework=hw_role.framework)
    assert targets == {("hw-testing", "e1"): craft, ("hw-coaching", ""): people, ("", "e1"): None}


def test_an_expert_of_the_touched_domain_may_review(hw_role):
    from proposals.selectors import expert_can_review

    author = UserFactory.create()
    proposal = proposal_create(
        role=hw_role,
        author=author,
        title="t",
        rationale="r",
        changes=[{"op": "set_row", "skill": "hw-coaching", "description": "Coaching."}],
    )
    people, craft = UserFactory.create(), UserFactory.create()
    expertise_grant(user=people, domain=SkillDomain.objects.get(slug="people"))
    expertise_grant(user=craft, domain=SkillDomain.objects.get(slug="craft"))
    assert expert_can_review(user=people, proposal=proposal)
    assert not expert_can_review(user=craft, proposal=proposal)


def test_a_later_change_to_the_same_cell_is_a_conflict(hw_role):
    change = {"op": "set_cell", "skill": "hw-testing", "level": "e1", "cell": "3"}
    first = proposal_create(
        role=hw_role, author=UserFactory.create(), title="t", rationale="r", changes=[change]
    )
    _accepted(hw_role, [{**change, "cell": "4"}])
    Proposal.objects.filter(pk=first.pk).update(status=Proposal.Status.IN_REVIEW)
    first.refresh_from_db()
    for _index in range(django_settings.REVIEW_APPROVALS):
        expert = UserFactory.create()
        expertise_grant(user=expert)
        review_submit(proposal=first, reviewer=expert, decision="approve", comment="Yes.")
    first.refresh_from_db()
    assert first.status == Proposal.Status.CONFLICT
    assert first.conflicts == ["cell:hw-testing:e1"]


def test_a_shared_op_is_checked_against_the_parts_the_role_shows(hw_role):
    """Shared ops are proposable (test_shared_proposals); a scale none of the role's skills
    uses is not among its parts, so moving a skill onto it is refused with the reason."""
    from proposals.errors import ProposalInvalid

    with pytest.raises(ProposalInvalid) as caught:
        proposal_create(
            role=hw_role,
            author=UserFactory.create(),
            title="t",
            rationale="r",
            changes=[{"op": "set_skill", "skill": "hw-testing", "scale": "demonstrated"}],
        )
    assert caught.value.errors == {
        "changes[0].scale": "no scale 'demonstrated' in the framework of role "
        "'hw-software-engineer'"
    }


def test_the_preview_says_v2_cells_in_words(hw_role):
    proposal = proposal_create(
        role=hw_role,
        author=UserFactory.create(),
        title="t",
        rationale="r",
        changes=[
            {"op": "set_cell", "skill": "hw-testing", "level": "senior", "cell": "5"},
            {"op": "set_cell", "skill": "hw-operations", "level": "director", "cell": "n/a"},
        ],
    )
    preview = proposal_preview(proposal=proposal)
    assert preview is not None
    assert preview.cell_words() == [
        "Testing · Senior Engineer: 4 Practitioner → 5 Expert",
        "Operations · Director of Engineering: 3 Working → n/a",
    ]


def test_the_proposal_page_shows_v2_cells_in_words(client, hw_role):
    proposal = proposal_create(
        role=hw_role,
        author=UserFactory.create(),
        title="t",
        rationale="r",
        changes=[
            {"op": "set_cell", "skill": "hw-testing", "level": "e2", "cell": "4"},
            {"op": "set_level_field", "level": "staff", "field": "track", "value": ""},
            {"op": "set_row", "skill": "hw-testing", "description": "Our tests."},
        ],
    )
    body = html.unescape(client.get(f"/proposals/{proposal.pk}/").content.decode())
    assert "Testing · Engineer II: 3 Working → 4 Practitioner" in body
    assert "Track of Staff Engineer" in body
    assert "every path" in body
    assert "What Testing means in this role" in body


# --- The editor ---


def _editor(client, data):
    return client.post(f"/proposals/new/?role={ROLE}", data)


def _cell_row(**fields):
    values = {
        "op": "set_cell",
        "skill": "hw-testing",
        "level": "e2",
        "code": "4",
        "mandatory": "on",
        "summary": "",
        "details": "",
        "text": "",
        "items": "",
    }
    values.update(fields)
    return {f"change-0-{name}": value for name, value in values.items()}


BASE = {"rows": "1", "base_version": "1", "title": "t", "rationale": "r"}


def test_the_editor_offers_the_skills_steps_and_names(client, hw_role):
    client.force_login(UserFactory.create())
    body = client.get(f"/proposals/new/?role={ROLE}&skill=hw-testing&level=senior").content.decode()
    body = html.unescape(body)
    code_select = body.split('name="change-0-code"')[1].split("</select>")[0]
    assert '<option value="4" selected>4 · Practitioner</option>' in code_select
    assert '<option value="n/a">n/a: does not apply</option>' in code_select
    assert '<option value="">Empty cell</option>' in code_select
    assert 'value="A"' not in code_select
    assert 'value="Y"' not in code_select  # another scale's step
    skill_select = body.split('name="change-0-skill"')[1].split("</select>")[0]
    assert '<option value="hw-testing" selected>Testing</option>' in skill_select
    assert '<option value="hw-coaching">Coaching</option>' in skill_select
    # The cell's words are there to edit.
    assert 'value="Reviews others\' tests"' in body
    assert '<option value="set_cell" selected>' in body


def test_the_editor_without_a_skill_groups_the_roles_scales(client, hw_role):
    client.force_login(UserFactory.create())
    body = html.unescape(client.get(f"/proposals/new/?role={ROLE}").content.decode())
    code_select = body.split('name="change-0-code"')[1].split("</select>")[0]
    assert '<optgroup label="Proficiency">' in code_select
    assert "3 · Working" in code_select


def test_the_editor_refuses_a_step_off_the_skills_scale(client, hw_role):
    client.force_login(UserFactory.create())
    response = _editor(client, {**BASE, **_cell_row(code="Y"), "action": "preview"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert (
        "Testing is measured on the scale Proficiency: choose one of 1 Aware, 2 Foundational, "
        "3 Working, 4 Practitioner, 5 Expert."
    ) in body
    assert not Proposal.objects.exists()


def test_the_editor_submits_a_set_cell_with_its_words(client, hw_role):
    client.force_login(UserFactory.create())
    data = {
        **BASE,
        **_cell_row(code="4", summary="Tests edge cases", details="Line one\nline two"),
        "action": "submit",
    }
    response = _editor(client, data)
    assert response.status_code == 303, response.content.decode()[:3000]
    proposal = Proposal.objects.get()
    assert proposal.changes == [
        {
            "op": "set_cell",
            "skill": "hw-testing",
            "level": "e2",
            "cell": {"code": "4", "summary": "Tests edge cases", "details": "Line one\nline two"},
        }
    ]


def test_the_editor_keeps_a_cells_examples_and_links(client, hw_role):
    client.force_login(UserFactory.create())
    data = {
        **BASE,
        **_cell_row(level="senior", code="5", summary="Reviews others' tests"),
        "action": "submit",
    }
    assert _editor(client, data).status_code == 303
    cell = Proposal.objects.get().changes[0]["cell"]
    assert cell["code"] == "5"
    assert cell["examples"] == ["Pointed out a test that passed with the fix reverted."]
    assert cell["links"] == [{"title": "Review guide", "url": "https://example.org/review-guide"}]


def test_the_editor_previews_in_words_and_sets_n_a(client, hw_role):
    client.force_login(UserFactory.create())
    data = {**BASE, **_cell_row(skill="hw-operations", level="director", code="n/a")}
    response = _editor(client, {**data, "action": "preview"})
    body = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "Operations · Director of Engineering: 3 Working → n/a" in body


def test_the_editor_proposes_a_rows_description(client, hw_role):
    client.force_login(UserFactory.create())
    data = {
        **BASE,
        **_cell_row(op="set_row", skill="hw-planning", level="", code="", text="Planning here."),
        "action": "submit",
    }
    assert _editor(client, data).status_code == 303
    assert Proposal.objects.get().changes == [
        {"op": "set_row", "skill": "hw-planning", "description": "Planning here."}
    ]


# --- The API ---


def test_the_api_takes_v2_changes_and_refuses_bad_ones_with_their_path(client, hw_role):
    client.force_login(UserFactory.create())
    good = client.post(
        "/api/v1/proposals/",
        {
            "role": ROLE,
            "title": "t",
            "rationale": "r",
            "changes": [
                {"op": "set_cell", "skill": "hw-testing", "level": "e1", "cell": {"code": "3"}},
                {"op": "set_level_field", "level": "e1", "field": "rank", "value": 2},
            ],
        },
        content_type="application/json",
    )
    assert good.status_code == 201, good.content
    bad = client.post(
        "/api/v1/proposals/",
        {
            "role": ROLE,
            "title": "t",
            "rationale": "r",
            "changes": [{"op": "set_cell", "skill": "hw-testing", "level": "e1", "cell": "Y"}],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert "changes[0].cell" in bad.json()["errors"]
    assert "proficiency" in bad.json()["errors"]["changes[0].cell"]


def test_the_v2_editor_speaks_spanish(client, hw_role):
    client.force_login(UserFactory.create())
    response = client.post(
        f"/proposals/new/?role={ROLE}",
        {**BASE, **_cell_row(code="Y"), "action": "preview"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    body = html.unescape(response.content.decode())
    assert "Testing se mide en la escala Proficiency: elija uno de 1 Aware" in body
    assert "Cambiar una celda: su paso y sus palabras" in body
    assert "n/a: no se aplica" in body
