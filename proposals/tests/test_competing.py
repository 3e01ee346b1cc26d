"""Issue 18: competing proposals are visible — marked on the role's matrix (seen and in the
cell's accessible name, right as proposals open and close), warned about in the editor and
listed on the proposal page."""

from __future__ import annotations

import pytest

from proposals.services import proposal_create, proposal_withdraw
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARK = "has an open proposal"


def _docker_senior_cell(page: str) -> str:
    return page.split('id="cell-docker-senior"')[1].split("</a>")[0]


LEGEND = "A cell an open proposal would change"


def _another(role, author, title="Docker at Senior is W"):
    change = {**DOCKER_SENIOR_E, "code": "W"}
    return proposal_create(
        role=role, author=author, title=title, rationale="Why not.", changes=[change]
    )


def test_the_matrix_marks_a_cell_while_a_proposal_is_open(
    client, seed_role, author, django_capture_on_commit_callbacks
):
    page = client.get("/roles/mlops-engineer/").content.decode()
    assert MARK not in _docker_senior_cell(page)
    assert LEGEND not in page
    with django_capture_on_commit_callbacks(execute=True):
        proposal = _another(seed_role, author)
    opened = client.get("/roles/mlops-engineer/")
    assert LEGEND in opened.content.decode()  # the legend explains the mark
    cell = _docker_senior_cell(opened.content.decode())
    assert MARK in cell  # in the link's accessible name
    assert 'class="open-proposal-mark"' in cell  # and seen
    assert MARK not in opened.content.decode().split('id="cell-docker-junior"')[1].split("</a>")[0]
    etag = opened["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        proposal_withdraw(proposal=proposal, author=author)
    closed = client.get("/roles/mlops-engineer/", HTTP_IF_NONE_MATCH=etag)
    assert closed.status_code == 200  # the browser's copy with the mark is stale
    assert MARK not in _docker_senior_cell(closed.content.decode())


def test_the_editor_warns_when_a_touched_cell_has_an_open_proposal(client, seed_role, author):
    other = _another(seed_role, author)
    client.force_login(UserFactory.create())
    data = {
        "rows": "1",
        "base_version": "1",
        "title": "",
        "rationale": "",
        "evidence_links": "",
        "change-0-op": "set_requirement",
        "change-0-skill": "docker",
        "change-0-level": "senior",
        "change-0-code": "E",
        "change-0-mandatory": "on",
        "action": "preview",
    }
    page = client.post("/proposals/new/?role=mlops-engineer", data).content.decode()
    warning = page.split("data-competing")[1].split("</div>")[0]
    assert f'href="/proposals/{other.pk}/"' in warning
    data["change-0-level"] = "junior"
    data["change-0-code"] = "W"
    elsewhere = client.post("/proposals/new/?role=mlops-engineer", data).content.decode()
    assert "data-competing" not in elsewhere


def test_the_proposal_page_lists_competing_open_proposals(
    client, proposal, seed_role, author, settings
):
    settings.NEW_MEMBER_OPEN_PROPOSALS = 5  # one author's three open proposals
    other = _another(seed_role, author)
    elsewhere = proposal_create(
        role=seed_role,
        author=author,
        title="Focus of Lead",
        rationale="r",
        changes=[{"op": "set_focus", "level": "lead", "text": "Own the platform."}],
    )
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    listed = page.split("data-competing")[1].split("</div>")[0]
    assert f'href="/proposals/{other.pk}/"' in listed
    assert f'href="/proposals/{elsewhere.pk}/"' not in listed
    assert f'href="/proposals/{proposal.pk}/"' not in listed
