"""Finding proposals in the browser: typing in the search box narrows the list in place (htmx,
the address kept shareable), the rows say what they change, and on a 360 px screen, in light
and dark, a row with a long skill name wraps instead of widening the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from proposals.services import comment_add, proposal_create
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations

LONG_SKILL = "Kubernetes-Operator-Reconciliation-Loop-Observability-Engineering"


@pytest.fixture
def proposals(seeded_role):
    docker = proposal_create(
        role=seeded_role,
        author=UserFactory.create(username="ada"),
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[
            {"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"},
            {"op": "set_focus", "level": "senior", "text": "Owns the build."},
        ],
    )
    comment_add(proposal=docker, author=UserFactory.create(), text="Podman works too.")
    proposal_create(
        role=seeded_role,
        author=UserFactory.create(username="grace"),
        title="A skill with a very long name",
        rationale="Operators are everywhere.",
        changes=[
            {
                "op": "add_skill",
                "skill": {"name": LONG_SKILL, "domain": "Cloud & Infrastructure"},
                "requirements": {"senior": "W"},
            }
        ],
    )


def test_typing_a_search_narrows_the_list_in_place(live_server, proposals, page):
    page.goto(live_server.url + "/proposals/")
    expect(page.locator(".proposal-item")).to_have_count(2)
    page.get_by_role("searchbox", name="Search").fill("podman")
    expect(page.locator(".proposal-item")).to_have_count(1)
    row = page.locator(".proposal-item")
    expect(row).to_contain_text("Seniors master Docker")
    expect(row.locator(".proposal-item__changes")).to_have_text("Docker · Senior: A → E, +1 more")
    expect(page).to_have_url(re.compile(r"/proposals/\?q=podman&"))  # a link to these results
    row.get_by_role("link", name="ada").click()
    expect(page).to_have_url(live_server.url + "/members/ada/")
    assert page.console_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_list_fits_a_phone_in_both_themes(live_server, proposals, browser, screenshot, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 360, "height": 780})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/proposals/?q=operators")
        row = page.locator(".proposal-item")
        expect(row).to_have_count(1)
        expect(row.locator(".proposal-item__changes")).to_have_text(f"+ {LONG_SKILL}")
        screenshot(page, f"proposal-search-{scheme}-360")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        box = row.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
        assert blocking_violations(page) == []
    finally:
        context.close()
