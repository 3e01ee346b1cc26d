"""Browser check of revising a proposal in the proposal editor, with JavaScript: the rows come
pre-filled with the proposal's changes (a v2 cell, a level's band, a skill's step, and an
advanced row for a domain), showing each kind's own inputs; adding a row by keyboard (htmx),
previewing and switching language keep the draft; saving restarts the vote. The page at
1280 px in both themes and at 360 px, with no serious axe violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from proposals.models import Proposal, SetAsideVote
from proposals.services import proposal_create, vote_cast
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations
from tests.e2e.test_proposals import _sign_in

EXAMPLE = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"


@pytest.fixture
def v2_proposal(transactional_db) -> Proposal:
    from roles.models import Role
    from roles.services import document_import

    document_import(raw=EXAMPLE.read_bytes())
    role = Role.objects.get(slug="hw-software-engineer")
    proposal = proposal_create(
        role=role,
        author=UserFactory.create(username="writer"),
        title="Operations at Senior",
        rationale="Seniors run the on-call.",
        changes=[
            {
                "op": "set_cell",
                "skill": "hw-operations",
                "level": "senior",
                "cell": {"code": "4", "summary": "Runs the on-call"},
            },
            {"op": "set_level_field", "level": "senior", "field": "rank", "value": 7},
            {
                "op": "set_skill",
                "skill": "hw-operations",
                "scale": "proficiency",
                "domain": "craft",
                "steps": {"4": {"summary": "Leads an incident."}},
            },
            {"op": "set_domain", "domain": "craft", "name": "Craft", "description": "How."},
        ],
    )
    vote_cast(proposal=proposal, voter=UserFactory.create(username="fan"), value=1)
    return proposal


def test_revise_a_proposal_in_the_editor_with_javascript(
    live_server, browser, v2_proposal, screenshot
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    _sign_in(context, live_server, v2_proposal.author)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{live_server.url}/proposals/{v2_proposal.pk}/")
    page.get_by_role("link", name="Revise this proposal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Revise proposal #{v2_proposal.pk}")

    # Each change in its row, each row showing its kind's inputs only.
    expect(page.locator("#id_change-0-op")).to_have_value("set_cell")
    expect(page.locator("#id_change-0-code")).to_have_value("4")
    expect(page.locator("#id_change-0-summary")).to_have_value("Runs the on-call")
    expect(page.locator("#id_change-1-op")).to_have_value("level_rank")
    expect(page.locator("#id_change-1-rank")).to_have_value("7")
    expect(page.locator("#id_change-1-code")).to_be_hidden()
    expect(page.locator("#id_change-2-op")).to_have_value("skill_step")
    expect(page.locator("#id_change-2-summary")).to_have_value("Leads an incident.")
    expect(page.locator("#id_change-3-json")).to_be_visible()
    expect(page.locator("#id_change-3-json")).to_contain_text('"set_domain"')
    expect(page.locator("#id_change-3-summary")).to_be_hidden()
    assert page.locator("[name$='-json']").count() == 1
    assert blocking_violations(page) == []

    # Edit a row, then add one by keyboard: htmx swaps the editor, what was typed stays and
    # the focus stays on the button.
    page.locator("#id_change-1-rank").fill("6")
    page.locator("#editor-add").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_change-4-op")).to_be_visible()
    expect(page.locator("#editor-add")).to_be_focused()
    expect(page.locator("#id_change-1-rank")).to_have_value("6")
    page.locator("#id_change-4-op").select_option("set_focus")
    expect(page.locator("#id_change-4-code")).to_be_hidden()
    page.locator("#id_change-4-level").select_option("senior")
    page.locator("#id_change-4-text").fill("Runs the on-call.")
    page.locator("#id_title").fill("Operations and focus at Senior")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Band of Senior")
    expect(preview).to_contain_text("Focus of Senior")
    screenshot(page, "proposal-revise-1280")

    # The language switch keeps the draft.
    page.locator("button[name='language'][value='es']").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#id_title")).to_have_value("Operations and focus at Senior")
    expect(page.locator("#id_change-4-text")).to_have_value("Runs the on-call.")
    expect(page.locator("#id_change-3-json")).to_contain_text('"set_domain"')

    with page.expect_navigation():
        page.locator("button[name='action'][value='submit']").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Operations and focus at Senior")
    expect(page.locator("#revisions")).to_be_visible()
    v2_proposal.refresh_from_db()
    assert v2_proposal.revision == 2
    assert [change["op"] for change in v2_proposal.changes] == [
        "set_cell",
        "set_level_field",
        "set_skill",
        "set_domain",
        "set_focus",
    ]
    assert v2_proposal.changes[1]["value"] == 6
    assert SetAsideVote.objects.filter(proposal=v2_proposal).count() == 1
    assert errors == []
    context.close()


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "dark"), (360, "light")], ids=["1280-dark", "360-light"]
)
def test_the_revise_editor_in_dark_and_at_360px(
    live_server, browser, v2_proposal, screenshot, width, scheme
):
    context = browser.new_context(
        viewport={"width": width, "height": 800}, color_scheme=scheme, is_mobile=width < 400
    )
    _sign_in(context, live_server, v2_proposal.author)
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/{v2_proposal.pk}/revise/")
    expect(page.locator("#id_change-3-json")).to_be_visible()
    too_wide = page.evaluate(
        """[...document.querySelectorAll('#editor *')]
           .filter(e => e.getBoundingClientRect().right > window.innerWidth)
           .map(e => e.tagName + '.' + e.className)"""
    )
    assert too_wide == []
    assert blocking_violations(page) == []
    screenshot(page, f"proposal-revise-{width}-{scheme}")
    context.close()
