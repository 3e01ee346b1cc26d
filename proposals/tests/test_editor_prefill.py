"""Issue 18: the revise page is the proposal editor, pre-filled with the proposal's changes as
rows (every kind of change the editor has a row for, in v1 and v2 roles; an advanced JSON row
only for a change no row can say), and "Propose it again" rebuilds every kind of row against
the role's current version. Both build their rows with one function."""

from __future__ import annotations

import html
import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from proposals.models import Proposal, SetAsideVote, Vote
from proposals.services import proposal_create, vote_cast
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from roles.changes.types import parse_changes
from roles.models import Role, RoleVersion
from roles.services import document_import, role_change_apply

pytestmark = pytest.mark.django_db

EXAMPLE = Path(django_settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
HW = "hw-software-engineer"


class _EditorForm(HTMLParser):
    """What a browser would post from the editor form: its inputs, checked boxes, selected
    options (the first when none is), and textareas; no buttons."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = attr.get("id") == self.form_id
        if not self.inside or ("name" not in attr and tag != "option"):
            return
        if tag == "input" and attr.get("type") not in ("submit", "checkbox"):
            self.data[attr["name"]] = attr.get("value", "")
        elif tag == "input" and attr.get("type") == "checkbox" and "checked" in attr:
            self.data[attr["name"]] = attr.get("value") or "on"
        elif tag == "select":
            self._select, self._first = attr["name"], None
        elif tag == "option" and self._select is not None:
            value = attr.get("value", "")
            if self._first is None:
                self._first = value
                self.data.setdefault(self._select, value)
            if "selected" in attr:
                self.data[self._select] = value
        elif tag == "textarea":
            self._textarea = attr["name"]
            self.data[self._textarea] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.data[self._textarea] += data


def editor_data(body: str) -> dict[str, str]:
    parser = _EditorForm("proposal-editor")
    parser.feed(body)
    data = parser.data
    for name, value in data.items():
        # A browser drops the newline right after <textarea> and posts CR LF line breaks.
        data[name] = value.removeprefix("\n")
    return data


def _row(data: dict[str, str], index: int) -> dict[str, str]:
    prefix = f"change-{index}-"
    return {k.removeprefix(prefix): v for k, v in data.items() if k.startswith(prefix)}


def _revise_url(proposal: Proposal) -> str:
    return f"/proposals/{proposal.pk}/revise/"


def _propose(role: Role, changes: list[Any], **fields: Any) -> Proposal:
    return proposal_create(
        role=role,
        author=fields.pop("author", None) or UserFactory.create(username="writer"),
        title=fields.pop("title", "Sharper cells"),
        rationale=fields.pop("rationale", "What we see in practice."),
        changes=changes,
        **fields,
    )


# --- v1: each kind of change as a row ---

V1_CHANGES: list[dict[str, Any]] = [
    DOCKER_SENIOR_E,
    {"op": "set_details", "skill": "docker", "level": "junior", "text": "Builds an image."},
    {
        "op": "add_skill",
        "skill": {"name": "Pulumi", "domain": "Cloud & Infrastructure"},
        "requirements": {"senior": "W"},
    },
    {"op": "remove_skill", "skill": "cursor-ide"},
    {"op": "set_focus", "level": "lead", "text": "Own the platform."},
    {"op": "set_stack", "level": "lead", "items": ["Kubernetes", "Argo CD"]},
]


@pytest.fixture
def v1_proposal(seed_role) -> Proposal:
    return _propose(
        seed_role,
        V1_CHANGES,
        evidence_links=["https://example.com/survey"],
        title="Six changes",
    )


def test_the_revise_page_is_the_editor_prefilled_with_each_v1_kind(client, v1_proposal):
    client.force_login(v1_proposal.author)
    response = client.get(_revise_url(v1_proposal))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="proposal-editor"' in body
    assert "Changes (JSON)" not in body
    data = editor_data(body)
    assert data["rows"] == "6"
    assert (data["title"], data["rationale"], data["evidence_links"]) == (
        "Six changes",
        "What we see in practice.",
        "https://example.com/survey",
    )
    rows = [_row(data, index) for index in range(6)]
    assert {k: rows[0][k] for k in ("op", "skill", "level", "code", "mandatory")} == {
        "op": "set_requirement",
        "skill": "docker",
        "level": "senior",
        "code": "E",
        "mandatory": "on",
    }
    assert {k: rows[1][k] for k in ("op", "skill", "level", "text")} == {
        "op": "set_details",
        "skill": "docker",
        "level": "junior",
        "text": "Builds an image.",
    }
    assert {k: rows[2][k] for k in ("op", "name", "domain", "level", "code")} == {
        "op": "add_skill",
        "name": "Pulumi",
        "domain": "Cloud & Infrastructure",
        "level": "senior",
        "code": "W",
    }
    assert (rows[3]["op"], rows[3]["skill"]) == ("remove_skill", "cursor-ide")
    assert (rows[4]["op"], rows[4]["level"], rows[4]["text"]) == (
        "set_focus",
        "lead",
        "Own the platform.",
    )
    assert (rows[5]["op"], rows[5]["level"], rows[5]["items"]) == (
        "set_stack",
        "lead",
        "Kubernetes, Argo CD",
    )
    assert not any("json" in row for row in rows)
    # The same header switches as the new-proposal editor: they post the draft here.
    assert f'formaction="{_revise_url(v1_proposal)}"' in body


def test_a_title_only_revision_through_the_editor_keeps_the_votes(client, v1_proposal):
    vote_cast(proposal=v1_proposal, voter=UserFactory.create(), value=1)
    changes, closes_at = v1_proposal.changes, v1_proposal.closes_at
    client.force_login(v1_proposal.author)
    data = editor_data(client.get(_revise_url(v1_proposal)).content.decode())
    response = client.post(
        _revise_url(v1_proposal), {**data, "title": "Six sharper changes", "action": "submit"}
    )
    assert response.status_code == 303, html.unescape(response.content.decode())[:3000]
    assert response["Location"].endswith(f"/proposals/{v1_proposal.pk}/#revisions")
    v1_proposal.refresh_from_db()
    assert (v1_proposal.title, v1_proposal.revision) == ("Six sharper changes", 2)
    assert v1_proposal.changes == changes
    assert v1_proposal.closes_at == closes_at
    assert Vote.objects.filter(proposal=v1_proposal).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "the votes so far still count" in page


def test_revising_one_row_restarts_the_vote(client, v1_proposal):
    voter = UserFactory.create()
    vote_cast(proposal=v1_proposal, voter=voter, value=1)
    client.force_login(v1_proposal.author)
    data = editor_data(client.get(_revise_url(v1_proposal)).content.decode())
    response = client.post(
        _revise_url(v1_proposal), {**data, "change-0-code": "W", "action": "submit"}
    )
    assert response.status_code == 303, html.unescape(response.content.decode())[:3000]
    v1_proposal.refresh_from_db()
    assert v1_proposal.changes[0]["code"] == "W"
    assert v1_proposal.changes[1:] == [
        json.loads(json.dumps(c)) for c in _normalised(V1_CHANGES)[1:]
    ]
    assert not Vote.objects.filter(proposal=v1_proposal).exists()
    assert SetAsideVote.objects.filter(proposal=v1_proposal, voter=voter).exists()
    page = client.get(response["Location"]).content.decode()
    assert "1 vote was set aside" in page


def _normalised(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from roles.changes.types import changes_as_json

    return changes_as_json(parse_changes(changes))


def test_the_revise_editor_adds_and_removes_rows_without_js(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    added = client.post(url, {**data, "action": "add"})
    assert added.status_code == 200
    after = editor_data(added.content.decode())
    assert after["rows"] == "7"
    assert after["title"] == "Six changes"
    assert "field-error" not in added.content.decode()
    removed = editor_data(client.post(url, {**after, "remove": "3"}).content.decode())
    assert removed["rows"] == "6"
    assert _row(removed, 3)["op"] == "set_focus"


def test_the_revise_editor_previews_old_to_new(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, "change-0-code": "W", "action": "preview"})
    assert response.status_code == 200
    preview = response.content.decode().split('id="preview"')[1].split("About your proposal")[0]
    assert "is-changed" in preview
    assert "Focus of Lead" in preview
    assert "data-competing" not in preview  # the proposal revised does not compete with itself
    assert "<ins>Own</ins>" in preview
    v1_proposal.refresh_from_db()
    assert v1_proposal.revision == 1  # a preview writes nothing


def test_the_revise_editor_answers_htmx_with_its_fragment(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    fragment = client.post(url, {**data, "action": "add"}, HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert fragment.status_code == 200
    assert "<html" not in body
    assert 'name="rows" value="7"' in body
    done = client.post(
        url, {**data, "title": "By htmx", "action": "submit"}, HTTP_HX_REQUEST="true"
    )
    assert done["HX-Redirect"] == f"/proposals/{v1_proposal.pk}/#revisions"


def test_switching_language_on_the_revise_page_keeps_the_draft(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, "title": "A new draft title", "language": "es"})
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="es"' in body
    assert response.cookies["django_language"].value == "es"
    again = editor_data(body)
    assert again["title"] == "A new draft title"
    assert _row(again, 0)["code"] == "E"
    assert "field-error" not in body
    v1_proposal.refresh_from_db()
    assert v1_proposal.title == "Six changes"


# --- Bad input: the new editor's messages ---


def test_bad_rows_are_refused_next_to_their_input(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, "change-0-level": "", "action": "submit"})
    assert response.status_code == 400
    body = html.unescape(response.content.decode())
    level = body.split('id="id_change-0-level"')[1].split("</div>")[0]
    assert "Required for this change." in level
    unknown = client.post(url, {**data, "change-0-skill": "cobol", "action": "submit"})
    assert unknown.status_code == 400
    skill = html.unescape(unknown.content.decode()).split('id="id_change-0-skill"')[1]
    assert "cobol" in skill.split("</div>")[0]
    v1_proposal.refresh_from_db()
    assert v1_proposal.revision == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "\u200b\u200b"}, "only spaces or invisible characters"),
        ({"title": "Two\r\nlines"}, "Keep it to one line"),
        ({"rationale": ""}, "This field is required."),
    ],
)
def test_bad_texts_get_the_new_editors_messages(client, v1_proposal, fields, message):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, **fields, "action": "submit"})
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_a_revision_that_changes_nothing_says_so(client, v1_proposal):
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, "action": "submit"})
    assert response.status_code == 400
    assert "This revision changes nothing." in response.content.decode()


def test_a_proposal_no_longer_voting_cannot_be_revised(client, v1_proposal):
    Proposal.objects.filter(pk=v1_proposal.pk).update(status=Proposal.Status.IN_REVIEW)
    client.force_login(v1_proposal.author)
    url = _revise_url(v1_proposal)
    page = client.get(url).content.decode()
    assert "Only a proposal that is still voting can be revised." in page
    data = editor_data(page)
    response = client.post(url, {**data, "title": "Too late", "action": "submit"})
    assert response.status_code == 409
    v1_proposal.refresh_from_db()
    assert v1_proposal.title == "Six changes"


def test_only_the_author_opens_the_revise_editor(client, v1_proposal):
    client.force_login(UserFactory.create())
    assert client.get(_revise_url(v1_proposal)).status_code == 403
    assert client.post(_revise_url(v1_proposal), {"action": "submit"}).status_code == 403


# --- v2: cells, rows, level fields, a skill's steps and a scale's step ---


@pytest.fixture
def hw_role() -> Role:
    document_import(raw=EXAMPLE.read_bytes())
    return Role.objects.get(slug=HW)


TESTING_STEPS: dict[str, Any] = {
    "1": {"summary": "Runs the suite and reads its failures."},
    "3": {
        "summary": "Writes unit and integration tests for own changes.",
        "examples": ["Added a regression test with every bug fix in a quarter."],
    },
    "5": {
        "summary": "Designs the test strategy of a product line.",
        "links": [{"title": "Test pyramid", "url": "https://example.org/test-pyramid"}],
    },
}
# Proficiency as the example declares it.
PROFICIENCY: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))["scales"][0]


def _testing_skill(**steps: Any) -> dict[str, Any]:
    """A set_skill of Testing: its steps as they are, with ``steps`` changed."""
    merged = {**TESTING_STEPS, **steps}
    return {
        "op": "set_skill",
        "skill": "hw-testing",
        "scale": "proficiency",
        "domain": "craft",
        "steps": {code: merged[code] for code in sorted(merged)},
    }


def _proficiency(**renamed: tuple[str, str]) -> dict[str, Any]:
    """A set_scale of Proficiency: as it is, with ``s<code>=(name, description)`` changed."""
    steps = []
    for step in PROFICIENCY["steps"]:
        name, description = renamed.get(f"s{step['code']}", (step["name"], step["description"]))
        steps.append({"code": step["code"], "name": name, "description": description})
    return {"op": "set_scale", "scale": {**PROFICIENCY, "steps": steps}}


V2_CHANGES: list[dict[str, Any]] = [
    {
        "op": "set_cell",
        "skill": "hw-operations",
        "level": "senior",
        "cell": {
            "code": "4",
            "mandatory": False,
            "summary": "Runs the on-call",
            "details": "*All* of it.",
        },
    },
    {"op": "set_row", "skill": "hw-planning", "description": "Plans the *quarter*."},
    {"op": "set_focus", "level": "e2", "text": "Ships with care."},
    {"op": "set_stack", "level": "e2", "items": ["Python", "Postgres"]},
    {"op": "set_level_field", "level": "senior", "field": "rank", "value": 7},
    {"op": "set_level_field", "level": "staff", "field": "track", "value": ""},
    {
        "op": "set_level_field",
        "level": "e2",
        "field": "sections",
        "value": [{"title": "Scope", "text": "One service.", "items": ["Owns it", "Pages"]}],
    },
    # Two of Testing's steps in one change: a row each.
    _testing_skill(
        **{
            "3": {
                "summary": "Writes the tests first.",
                "examples": ["Added a regression test with every bug fix in a quarter."],
            },
            "4": {"summary": "Reviews others' tests."},
        }
    ),
    _proficiency(s4=("Practised", "Does it often.")),
    {"op": "remove_skill", "skill": "hw-hiring"},
    # No row says a domain: kept as an advanced JSON row.
    {"op": "set_domain", "domain": "craft", "name": "Craft", "description": "How we build."},
]


@pytest.fixture
def v2_proposal(hw_role) -> Proposal:
    return _propose(hw_role, V2_CHANGES, title="Eleven v2 changes")


def test_the_revise_page_is_the_editor_prefilled_with_each_v2_kind(client, v2_proposal):
    client.force_login(v2_proposal.author)
    body = client.get(_revise_url(v2_proposal)).content.decode()
    data = editor_data(body)
    assert data["rows"] == "12"
    rows = [_row(data, index) for index in range(12)]

    def pick(row: dict[str, str], *names: str) -> dict[str, str]:
        return {name: row[name] for name in names}

    assert pick(rows[0], "op", "skill", "level", "code", "summary", "details") == {
        "op": "set_cell",
        "skill": "hw-operations",
        "level": "senior",
        "code": "4",
        "summary": "Runs the on-call",
        "details": "*All* of it.",
    }
    assert "mandatory" not in rows[0]  # not mandatory: the box is not ticked
    assert pick(rows[1], "op", "skill", "text") == {
        "op": "set_row",
        "skill": "hw-planning",
        "text": "Plans the *quarter*.",
    }
    assert pick(rows[2], "op", "level", "text") == {
        "op": "set_focus",
        "level": "e2",
        "text": "Ships with care.",
    }
    assert pick(rows[3], "op", "level", "items") == {
        "op": "set_stack",
        "level": "e2",
        "items": "Python, Postgres",
    }
    assert pick(rows[4], "op", "level", "rank") == {
        "op": "level_rank",
        "level": "senior",
        "rank": "7",
    }
    assert pick(rows[5], "op", "level", "track") == {
        "op": "level_track",
        "level": "staff",
        "track": "",
    }
    assert pick(rows[6], "op", "level") == {"op": "level_sections", "level": "e2"}
    assert rows[6]["text"].replace("\r\n", "\n") == "Scope\nOne service.\n- Owns it\n- Pages"
    assert pick(rows[7], "op", "skill", "code", "summary") == {
        "op": "skill_step",
        "skill": "hw-testing",
        "code": "3",
        "summary": "Writes the tests first.",
    }
    assert pick(rows[8], "op", "skill", "code", "summary") == {
        "op": "skill_step",
        "skill": "hw-testing",
        "code": "4",
        "summary": "Reviews others' tests.",
    }
    assert pick(rows[9], "op", "step", "step_name", "details") == {
        "op": "scale_step",
        "step": "proficiency:4",
        "step_name": "Practised",
        "details": "Does it often.",
    }
    assert pick(rows[10], "op", "skill") == {"op": "remove_skill", "skill": "hw-hiring"}
    assert rows[11]["op"] == "json"
    assert json.loads(rows[11]["json"]) == _normalised([V2_CHANGES[-1]])[0]
    advanced = html.unescape(body).split('id="id_change-11-json"')[0].rsplit("<label", 1)[1]
    assert "advanced" in advanced.lower()
    # Only that row has the JSON input.
    assert body.count('name="change-11-json"') == 1
    assert "change-10-json" not in body


def test_a_title_only_v2_revision_keeps_the_votes_and_every_change(client, v2_proposal):
    vote_cast(proposal=v2_proposal, voter=UserFactory.create(), value=1)
    changes = v2_proposal.changes
    client.force_login(v2_proposal.author)
    data = editor_data(client.get(_revise_url(v2_proposal)).content.decode())
    response = client.post(
        _revise_url(v2_proposal), {**data, "title": "Eleven, retitled", "action": "submit"}
    )
    assert response.status_code == 303, html.unescape(response.content.decode())[:4000]
    v2_proposal.refresh_from_db()
    assert v2_proposal.changes == changes
    assert Vote.objects.filter(proposal=v2_proposal).count() == 1


def test_revising_one_skill_step_row_keeps_the_other_and_restarts_the_vote(client, v2_proposal):
    vote_cast(proposal=v2_proposal, voter=UserFactory.create(), value=1)
    client.force_login(v2_proposal.author)
    data = editor_data(client.get(_revise_url(v2_proposal)).content.decode())
    response = client.post(
        _revise_url(v2_proposal),
        {**data, "change-8-summary": "Reviews every test.", "action": "submit"},
    )
    assert response.status_code == 303, html.unescape(response.content.decode())[:4000]
    v2_proposal.refresh_from_db()
    skill = next(c for c in v2_proposal.changes if c["op"] == "set_skill")
    assert skill["steps"]["4"] == {"summary": "Reviews every test."}
    assert skill["steps"]["3"]["summary"] == "Writes the tests first."
    assert len(v2_proposal.changes) == len(V2_CHANGES)
    assert not Vote.objects.filter(proposal=v2_proposal).exists()


def test_a_bad_advanced_row_is_refused_in_words(client, v2_proposal):
    client.force_login(v2_proposal.author)
    url = _revise_url(v2_proposal)
    data = editor_data(client.get(url).content.decode())
    broken = client.post(url, {**data, "change-11-json": "{", "action": "submit"})
    assert broken.status_code == 400
    assert "Not valid JSON." in broken.content.decode()
    listed = client.post(url, {**data, "change-11-json": "[1]", "action": "submit"})
    assert "One change, as a JSON object" in html.unescape(listed.content.decode())
    unknown = json.dumps({"op": "set_domain", "domain": "craft", "name": ""})
    named = client.post(url, {**data, "change-11-json": unknown, "action": "submit"})
    assert named.status_code == 400
    error = html.unescape(named.content.decode()).split('id="id_change-11-json"')[1]
    assert "field-error" in error.split("</div>")[0]


def test_a_bad_step_in_a_revised_row_names_the_skills_steps(client, v2_proposal):
    client.force_login(v2_proposal.author)
    url = _revise_url(v2_proposal)
    data = editor_data(client.get(url).content.decode())
    response = client.post(url, {**data, "change-0-code": "m2", "action": "submit"})
    assert response.status_code == 400
    assert "Operations is measured on the scale Proficiency" in html.unescape(
        response.content.decode()
    )


# --- The new editor: several step rows of one skill make one change ---


def test_two_step_rows_of_one_skill_propose_both_steps(client, hw_role):
    client.force_login(UserFactory.create())
    rows = {
        "change-0-op": "skill_step",
        "change-0-skill": "hw-testing",
        "change-0-code": "2",
        "change-0-summary": "Fixes flaky tests.",
        "change-1-op": "skill_step",
        "change-1-skill": "hw-testing",
        "change-1-code": "4",
        "change-1-summary": "Reviews others' tests.",
    }
    response = client.post(
        f"/proposals/new/?role={HW}",
        {
            "rows": "2",
            "base_version": "1",
            "title": "t",
            "rationale": "r",
            "action": "submit",
            **rows,
        },
    )
    assert response.status_code == 303, html.unescape(response.content.decode())[:3000]
    (change,) = Proposal.objects.get().changes
    assert change["steps"]["2"] == {"summary": "Fixes flaky tests."}
    assert change["steps"]["4"] == {"summary": "Reviews others' tests."}
    assert set(change["steps"]) == {"1", "2", "3", "4", "5"}


# --- Proposing again: every kind of row, against the current version ---


def _curator(role: Role, changes: list[dict[str, Any]]) -> None:
    role_change_apply(
        role=role,
        changes=parse_changes(changes),
        author=None,
        source=RoleVersion.Source.ADMIN,
        message="Curator edit",
    )


def _conflicted(proposal: Proposal) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(
        status=Proposal.Status.CONFLICT,
        conflicts=["level:senior:rank"],
        decided_at=timezone.now(),
    )
    proposal.refresh_from_db()
    return proposal


def test_propose_again_rebuilds_level_step_and_shared_rows(client, hw_role):
    proposal = _propose(
        hw_role,
        [
            {"op": "set_level_field", "level": "senior", "field": "rank", "value": 7},
            {"op": "set_level_field", "level": "staff", "field": "track", "value": ""},
            V2_CHANGES[6],
            _testing_skill(**{"4": {"summary": "Reviews others' tests."}}),
            _proficiency(s4=("Practised", "Handles the hard cases and teaches others.")),
            V2_CHANGES[-1],
        ],
    )
    # Meanwhile a curator sets Senior's band and rewrites Testing's first step.
    _curator(
        hw_role,
        [
            {"op": "set_level_field", "level": "senior", "field": "rank", "value": 5},
            _testing_skill(**{"1": {"summary": "Runs the suite, reads it."}}),
        ],
    )
    hw_role.refresh_from_db()
    _conflicted(proposal)
    client.force_login(proposal.author)
    url = f"/proposals/new/?role={HW}&again={proposal.pk}"
    body = client.get(url).content.decode()
    data = editor_data(body)
    assert data["base_version"] == str(hw_role.current_version)
    assert data["rows"] == "6"
    rows = [_row(data, index) for index in range(6)]
    assert (rows[0]["op"], rows[0]["level"], rows[0]["rank"]) == ("level_rank", "senior", "7")
    assert (rows[1]["op"], rows[1]["level"], rows[1]["track"]) == ("level_track", "staff", "")
    assert (rows[2]["op"], rows[2]["level"]) == ("level_sections", "e2")
    # Only the step the proposal changed: Testing's first step stays as it is now.
    assert (rows[3]["op"], rows[3]["code"], rows[3]["summary"]) == (
        "skill_step",
        "4",
        "Reviews others' tests.",
    )
    assert (rows[4]["op"], rows[4]["step"], rows[4]["step_name"]) == (
        "scale_step",
        "proficiency:4",
        "Practised",
    )
    assert rows[5]["op"] == "json"
    # The preview shows the current band (5), not the one the proposal was written against.
    preview = client.post(url, {**data, "action": "preview"})
    assert preview.status_code == 200, html.unescape(preview.content.decode())[:4000]
    section = html.unescape(preview.content.decode()).split('id="preview"')[1]
    band = section.split("Band of Senior")[1].split("old-new__new")[0]
    assert 'eyebrow">Now</p>5<' in band
    submitted = client.post(url, {**data, "action": "submit"})
    assert submitted.status_code == 303, html.unescape(submitted.content.decode())[:4000]
    new = Proposal.objects.exclude(pk=proposal.pk).get()
    skill = next(c for c in new.changes if c["op"] == "set_skill")
    assert skill["steps"]["1"] == {"summary": "Runs the suite, reads it."}
    assert skill["steps"]["4"] == {"summary": "Reviews others' tests."}
    assert new.base_version == hw_role.current_version


def test_propose_again_rebuilds_a_v1_add_skill(client, seed_role):
    proposal = _conflicted(_propose(seed_role, V1_CHANGES))
    client.force_login(proposal.author)
    data = editor_data(
        client.get(f"/proposals/new/?role=mlops-engineer&again={proposal.pk}").content.decode()
    )
    assert data["rows"] == "6"
    added = _row(data, 2)
    assert (added["op"], added["name"], added["domain"], added["level"], added["code"]) == (
        "add_skill",
        "Pulumi",
        "Cloud & Infrastructure",
        "senior",
        "W",
    )
    assert data["title"] == "Sharper cells"
