"""axe-core (bundled by the axe-playwright-python package, injected locally) on the public pages.

The script is evaluated through the DevTools protocol, which the page's strict CSP does not
govern, so the pages are checked exactly as served.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=kubernetes",
        "/roles/mlops-engineer/",
        "/roles/mlops-engineer/cells/docker/senior/",
        # The result panel scrolls on its own beside the ratings: reachable by keyboard.
        "/roles/mlops-engineer/grade/?rating-docker=W&rating-redis=E",
    ],
)
def test_no_serious_violations(live_server, seeded_role, browser, path, scheme):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + path)

        assert blocking_violations(page) == []
    finally:
        context.close()


def test_no_serious_violations_with_the_cell_panel_open(live_server, seeded_role, page):
    page.goto(live_server.url + "/roles/mlops-engineer/")
    page.locator("#cell-docker-senior").click()
    expect(page.locator("#cell-detail-title")).to_be_focused()

    assert blocking_violations(page) == []


def test_no_serious_violations_on_the_cell_page_in_spanish(live_server, seeded_role, browser):
    context = browser.new_context(locale="es-ES")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/roles/mlops-engineer/cells/docker/senior/")
        expect(page.locator("html")).to_have_attribute("lang", "es")

        assert blocking_violations(page) == []
    finally:
        context.close()


def test_axe_reports_a_violation_when_there_is_one(live_server, seeded_role, page):
    # Guards the guard: an image without alternative text must be caught.
    page.goto(live_server.url + "/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<img src=\"/static/icons/logo.svg\">')"
    )

    assert any(v.startswith("image-alt") for v in blocking_violations(page))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_violations_on_the_share_page(live_server, seeded_role, browser, scheme):
    from grading.selectors import grading_sheet_get
    from grading.services import assessment_create

    sheet = grading_sheet_get(role=seeded_role)
    assessment = assessment_create(role=seeded_role, sheet=sheet, ratings={"docker": "W"})
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/assessments/{assessment.token}/")
        expect(page.get_by_role("button", name="Copy link")).to_be_visible()

        assert blocking_violations(page) == []
    finally:
        context.close()
