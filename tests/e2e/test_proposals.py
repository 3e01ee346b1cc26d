"""Browser test of a proposal's whole life: propose from a cell with the preview, vote, close,
approve as an expert, then see the new version in the role's history and the changed cell on
the role page; the decision record in Spanish and the dark theme once."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from proposals.models import Proposal
from proposals.services import expertise_grant, proposals_close_due, vote_cast
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations

ROLE_PATH = "/roles/mlops-engineer/"


def _sign_in(context, live_server, user) -> None:
    """Give the browser a session of ``user`` (whatever the sign-in page looks like)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_proposal_lifecycle_in_the_browser(
    live_server, seeded_role, browser, context, page, screenshot
):
    author = UserFactory.create(username="ada")
    _sign_in(context, live_server, author)

    # Propose from a cell: the panel's "Propose a change" pre-fills set_requirement.
    page.goto(live_server.url + ROLE_PATH)
    page.locator("#cell-docker-senior").click()
    panel = page.locator("#cell-panel")
    expect(panel.get_by_role("link", name="Propose a change")).to_be_visible()
    panel.get_by_role("link", name="Propose a change").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a change to MLOps Engineer")
    expect(page.locator("#id_change-0-skill")).to_have_value("docker")
    expect(page.locator("#id_change-0-level")).to_have_value("senior")
    # Only the inputs a cell's requirement uses are shown.
    expect(page.locator("#id_change-0-text")).to_be_hidden()
    page.locator("#id_change-0-code").select_option("E")
    page.get_by_role("button", name="Preview").click()
    changed = page.locator("#preview td.is-changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("A")
    expect(changed).to_contain_text("E")
    screenshot(page, "proposal-editor-preview")

    page.locator("#id_title").fill("Seniors master Docker")
    page.locator("#id_rationale").fill("Every senior on our team debugs image builds weekly.")
    page.get_by_role("button", name="Submit for voting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seniors master Docker")
    expect(page.locator(".status")).to_have_text("Voting")
    proposal = Proposal.objects.get()
    assert proposal.changes[0]["code"] == "E"

    # Another member votes in the browser (htmx swaps the tally in place).
    voter_context = browser.new_context(viewport={"width": 1280, "height": 900})
    voter = UserFactory.create(username="bob")
    _sign_in(voter_context, live_server, voter)
    voter_page = voter_context.new_page()
    voter_page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    voter_page.get_by_role("button", name="Vote up").click()
    expect(voter_page.locator("#votes")).to_contain_text("Your vote was counted.")
    expect(voter_page.locator("#votes .tally__up")).to_have_text("▲ 1")
    screenshot(voter_page, "proposal-page-voting")
    voter_context.close()

    # Four more members vote up, voting closes, the proposal goes to review.
    for index in range(4):
        vote_cast(proposal=proposal, voter=UserFactory.create(username=f"fan{index}"), value=1)
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=proposal.created_at)
    assert [c.status for c in proposals_close_due()] == ["in_review"]

    # A global expert approves.
    expert_context = browser.new_context(viewport={"width": 1280, "height": 900})
    expert = UserFactory.create(username="grace")
    expertise_grant(user=expert)
    _sign_in(expert_context, live_server, expert)
    expert_page = expert_context.new_page()
    expert_page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    expert_page.get_by_label("Approve").check()
    expert_page.locator("#id_comment").fill("Matches what seniors do.")
    expert_page.get_by_role("button", name="Submit review").click()
    record = expert_page.locator("#decision")
    expect(record).to_contain_text("It made version 2 of the role.")
    expect(record).to_contain_text("Matches what seniors do.")
    screenshot(expert_page, "proposal-decision-record")

    # The version it made, in the role's history, and the changed cell on the role page.
    expert_page.get_by_role("link", name="It made version 2 of the role.").click()
    expect(expert_page).to_have_url(re.compile(r"/roles/mlops-engineer/versions/2/$"))
    expert_page.goto(live_server.url + ROLE_PATH + "history/")
    expect(expert_page.get_by_role("link", name=f"proposal #{proposal.pk}")).to_be_visible()
    expert_page.goto(live_server.url + ROLE_PATH)
    expect(expert_page.locator("#cell-docker-senior")).to_contain_text("E")
    expert_context.close()

    # The decision record in Spanish, in the dark theme.
    spanish = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    spanish.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url}])
    spanish_page = spanish.new_page()
    spanish_page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    expect(spanish_page.locator("#decision")).to_contain_text("Dio lugar a la versión 2 del rol.")
    expect(spanish_page.locator(".status").first).to_have_text("Aceptada")
    screenshot(spanish_page, "proposal-decision-record-es-dark")
    spanish.close()
    assert page.console_errors == []


def test_editor_works_without_javascript(live_server, seeded_role, browser):
    context = browser.new_context(java_script_enabled=False)
    _sign_in(context, live_server, UserFactory.create(username="nojs"))
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
    page.locator("#id_change-0-code").select_option("W")
    page.get_by_role("button", name="Add a change").click()
    page.locator("#id_change-1-op").select_option("set_focus")
    page.locator("#id_change-1-level").select_option("lead")
    page.locator("#id_change-1-text").fill("Own the platform.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview td.is-changed")).to_have_count(1)
    expect(page.locator("#preview")).to_contain_text("Own the platform.")
    page.locator("#id_title").fill("Two changes")
    page.locator("#id_rationale").fill("Because.")
    page.get_by_role("button", name="Submit for voting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two changes")
    expect(page.locator("#votes")).to_contain_text("Authors do not vote on their own proposals.")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_proposal_pages_have_no_serious_accessibility_violations(
    live_server, seeded_role, browser, scheme
):
    from proposals.services import comment_add, proposal_create

    member = UserFactory.create(username="reader")
    proposal = proposal_create(
        role=seeded_role,
        author=UserFactory.create(username="writer"),
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    comment_add(proposal=proposal, author=member, text="Agreed.")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    _sign_in(context, live_server, member)
    try:
        page = context.new_page()
        for path in (
            "/proposals/",
            f"/proposals/{proposal.pk}/",
            "/proposals/new/?role=mlops-engineer&skill=docker&level=senior",
        ):
            page.goto(live_server.url + path)
            assert blocking_violations(page) == [], path
        # Keyboard: the vote buttons are reachable and work with Enter.
        page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
        page.get_by_role("button", name="Vote down").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#votes .tally__down")).to_have_text("▼ 1")
        # The preview, open, in the editor.
        page.goto(live_server.url + "/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
        page.locator("#id_change-0-code").select_option("W")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview td.is-changed")).to_have_count(1)
        assert blocking_violations(page) == []
    finally:
        context.close()
