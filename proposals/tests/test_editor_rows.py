"""The proposal editor's rows for v2 parts (a level's band, track and sections; a skill's
step content; a scale step's name) and skills picked by name in v1 and v2 alike."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from proposals.forms import sections_from_text
from proposals.models import Proposal
from proposals.tests.factories import UserFactory
from roles.models import Role
from roles.services import document_import

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
ROLE = "hw-software-engineer"
BASE = {"rows": "1", "base_version": "1", "title": "t", "rationale": "r"}


@pytest.fixture
def hw_role() -> Role:
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug=ROLE)


def _row(**fields: Any) -> dict[str, Any]:
    return {f"change-0-{name}": value for name, value in fields.items()}


def _submit(client, role: str, row: dict[str, Any]):
    client.force_login(UserFactory.create())
    return client.post(f"/proposals/new/?role={role}", {**BASE, **_row(**row), "action": "submit"})


def _select(body: str, name: str) -> str:
    return body.split(f'name="{name}"')[1].split("</select>")[0]


# --- Skills by name ---


def test_the_v1_editor_picks_skills_by_name(client, seed_role):
    client.force_login(UserFactory.create())
    body = html.unescape(client.get("/proposals/new/?role=mlops-engineer").content.decode())
    skills = _select(body, "change-0-skill")
    assert '<option value="docker">Docker</option>' in skills
    assert '<option value="github-copilot">GitHub Copilot</option>' in skills
    assert 'list="role-skills"' not in body


def test_the_v1_editor_without_js_posts_the_chosen_slug(client, seed_role):
    response = _submit(
        client,
        "mlops-engineer",
        {"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"},
    )
    assert response.status_code == 303
    assert Proposal.objects.get().changes[0]["skill"] == "docker"


def test_a_skill_the_role_lacks_is_refused_in_words(client, seed_role):
    response = _submit(
        client,
        "mlops-engineer",
        {"op": "set_requirement", "skill": "cobol", "level": "senior", "code": "E"},
    )
    assert response.status_code == 400
    assert "cobol" in html.unescape(response.content.decode())
    assert not Proposal.objects.exists()


def test_the_v2_editor_carries_each_skills_steps_for_its_script(client, hw_role):
    client.force_login(UserFactory.create())
    body = client.get(f"/proposals/new/?role={ROLE}").content.decode()
    steps = json.loads(
        body.split('id="editor-skill-steps" type="application/json">')[1].split("<")[0]
    )
    assert steps["hw-testing"][3] == ["4", "4 · Practitioner"]
    fields = json.loads(
        body.split('id="editor-op-fields" type="application/json">')[1].split("<")[0]
    )
    assert fields["level_track"] == ["level", "track"]


# --- Level rows ---


def test_a_levels_band_row(client, hw_role):
    assert (
        _submit(client, ROLE, {"op": "level_rank", "level": "senior", "rank": "7"}).status_code
        == 303
    )
    assert Proposal.objects.get().changes == [
        {"op": "set_level_field", "level": "senior", "field": "rank", "value": 7}
    ]


def test_a_levels_track_row_offers_the_tracks(client, hw_role):
    client.force_login(UserFactory.create())
    body = html.unescape(client.get(f"/proposals/new/?role={ROLE}").content.decode())
    tracks = _select(body, "change-0-track")
    assert '<option value="manager">People manager</option>' in tracks
    assert '<option value="" selected>Every path</option>' in tracks
    assert (
        _submit(client, ROLE, {"op": "level_track", "level": "staff", "track": ""}).status_code
        == 303
    )
    assert Proposal.objects.get().changes[0] == {
        "op": "set_level_field",
        "level": "staff",
        "field": "track",
        "value": "",
    }


def test_a_levels_sections_row_reads_titles_texts_and_items(client, hw_role):
    text = (
        "Scope\nA team and its services.\n- Owns one service\n- Reviews designs\n\n"
        "Impact\n- A quarter"
    )
    assert (
        _submit(client, ROLE, {"op": "level_sections", "level": "e1", "text": text}).status_code
        == 303
    )
    assert Proposal.objects.get().changes[0]["value"] == [
        {
            "title": "Scope",
            "text": "A team and its services.",
            "items": ["Owns one service", "Reviews designs"],
        },
        {"title": "Impact", "items": ["A quarter"]},
    ]


def test_sections_from_text_skips_blank_blocks():
    assert sections_from_text("\n\n\nScope\n\n\n") == [{"title": "Scope"}]
    assert sections_from_text("") == []


def test_a_bad_band_sits_next_to_its_input(client, hw_role):
    response = _submit(client, ROLE, {"op": "level_rank", "level": "senior", "rank": "-3"})
    assert response.status_code == 400
    row = response.content.decode().split('data-field="rank"')[1].split("</div>")[0]
    assert "field-error" in row


# --- Shared parts ---


def test_a_skill_step_row_keeps_the_skills_other_steps(client, hw_role):
    row = {
        "op": "skill_step",
        "skill": "hw-testing",
        "code": "3",
        "summary": "Writes the tests",
        "details": "",
    }
    assert _submit(client, ROLE, row).status_code == 303
    change = Proposal.objects.get().changes[0]
    assert change["op"] == "set_skill"
    assert change["scale"] == "proficiency"
    assert change["steps"]["3"]["summary"] == "Writes the tests"
    assert set(change["steps"]) == {"1", "3", "5"}


def test_a_skill_step_row_needs_a_step_of_the_skill(client, hw_role):
    row = {"op": "skill_step", "skill": "hw-testing", "code": "n/a", "summary": "x", "details": ""}
    response = _submit(client, ROLE, row)
    assert response.status_code == 400
    assert "Choose one of the skill's steps." in html.unescape(response.content.decode())
    row = {**row, "code": "Y"}
    body = html.unescape(_submit(client, ROLE, row).content.decode())
    assert "Testing is measured on the scale Proficiency" in body


def test_a_scale_step_row_renames_one_step(client, hw_role):
    row = {
        "op": "scale_step",
        "step": "proficiency:4",
        "step_name": "Practised",
        "details": "Does it often.",
    }
    assert _submit(client, ROLE, row).status_code == 303
    change = Proposal.objects.get().changes[0]
    assert change["op"] == "set_scale"
    steps = change["scale"]["steps"]
    assert [s["code"] for s in steps] == ["1", "2", "3", "4", "5"]
    assert steps[3]["name"] == "Practised"
    assert steps[3]["description"] == "Does it often."
    assert steps[2]["name"] == "Working"


def test_the_proposal_from_a_scale_step_row_says_the_rename(client, hw_role):
    row = {"op": "scale_step", "step": "proficiency:4", "step_name": "Practised", "details": ""}
    _submit(client, ROLE, row)
    body = html.unescape(client.get(f"/proposals/{Proposal.objects.get().pk}/").content.decode())
    assert "step 4 renamed “Practitioner” → “Practised”" in body


# --- Adding a skill on a v2 role ---


def test_add_skill_is_not_offered_where_the_skills_have_scales_of_their_own(client, hw_role):
    client.force_login(UserFactory.create())
    body = client.get(f"/proposals/new/?role={ROLE}").content.decode()
    assert 'value="add_skill"' not in _select(body, "change-0-op")
    response = _submit(client, ROLE, {"op": "add_skill", "name": "Rust", "domain": "Craft"})
    assert response.status_code == 400


def test_add_skill_is_offered_on_a_v2_role_on_awe(client, seed_role):
    from roles.changes.types import parse_changes
    from roles.models import RoleVersion
    from roles.services import role_change_apply

    # Markdown texts make the seed role a v2 role; its skills stay on A/W/E.
    role_change_apply(
        role=seed_role,
        changes=parse_changes(
            [{"op": "set_row", "skill": "docker", "description": "Images *here*."}]
        ),
        author=None,
        source=RoleVersion.Source.ADMIN,
    )
    client.force_login(UserFactory.create())
    body = client.get("/proposals/new/?role=mlops-engineer").content.decode()
    assert 'value="add_skill"' in _select(body, "change-0-op")
    response = _submit(
        client,
        "mlops-engineer",
        {"op": "add_skill", "name": "Rust", "domain": "Languages", "level": "", "code": ""},
    )
    assert response.status_code == 303, response.content.decode()[:2000]
    assert Proposal.objects.get().changes[0]["op"] == "add_skill"
