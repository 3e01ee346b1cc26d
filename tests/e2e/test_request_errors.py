"""A failed htmx request says so where its answer would have gone (static/js/app.js): htmx
itself leaves error answers out and has nothing to show when the server cannot be reached."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

ROLE_PATH = "/roles/mlops-engineer/"
GONE = {
    "en": (
        "This is no longer here: it may have been renamed or removed. "
        "Reload the page to see what is there now."
    ),
    "es": (
        "Esto ya no está aquí: puede que se haya renombrado o eliminado. "
        "Recargue la página para ver lo que hay ahora."
    ),
}
UNREACHABLE = "The site could not be reached. Check your connection and try again."
LOCALES = {"en": "en-US", "es": "es-ES"}


def _rate(page, skill_name: str, code_name: str) -> None:
    page.get_by_role("group", name=skill_name).locator("label", has_text=code_name).click()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_cell_removed_since_the_page_loaded_says_so_in_the_panel(
    live_server, seeded_role, browser, screenshot, language
):
    from roles.changes.types import RemoveSkill
    from roles.models import RoleVersion
    from roles.services import role_change_apply

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALES[language])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + ROLE_PATH)
    # A curator takes Docker out of the role while this page is open.
    role_change_apply(
        role=seeded_role,
        changes=[RemoveSkill(skill="docker")],
        author=None,
        source=RoleVersion.Source.ADMIN,
    )

    with page.expect_response(re.compile(r"/cells/docker/senior/$")) as answer:
        page.locator("#cell-docker-senior").click()
    assert answer.value.status == 404
    alert = page.locator("#cell-panel [role=alert]")
    expect(alert).to_have_text(GONE[language])
    expect(alert).to_be_visible()
    # The page stays whole, at its own address.
    expect(page).to_have_url(live_server.url + ROLE_PATH)
    expect(page.get_by_role("heading", level=1)).to_have_text("MLOps Engineer")
    screenshot(page, f"request-error-cell-gone-{language}", full_page=False)

    # Another cell answers normally, and the message goes.
    page.locator("#cell-kubernetes-core-senior").click()
    expect(page.locator("#cell-panel #cell-detail-title")).to_contain_text("Kubernetes")
    expect(page.locator("#cell-panel [role=alert]")).to_have_count(0)
    context.close()


def test_an_unreachable_server_is_said_where_the_grade_would_show(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH + "grade/")
    result = page.locator("#grade-result")
    # The connection is refused, as when the server is down.
    page.route(re.compile(r"/grade/$"), lambda route: route.abort("connectionrefused"))
    _rate(page, "Docker", "Working knowledge")
    expect(result.locator("[role=alert]")).to_have_text(UNREACHABLE)

    # Twice: still one message, not two.
    _rate(page, "Docker", "Expert")
    expect(result.locator("[role=alert]")).to_have_count(1)

    # Back up: the next change shows the grade and the message goes.
    page.unroute(re.compile(r"/grade/$"))
    with page.expect_response(re.compile(r"/grade/$")) as answer:
        _rate(page, "Docker", "Awareness")
    assert answer.value.status == 200
    expect(result.locator("[role=alert]")).to_have_count(0)
    expect(result).to_contain_text("Your grade")


def test_a_rate_limit_says_how_long_to_wait(live_server, seeded_role, page):
    """No htmx request outside proposals (which bring their own refusal) is rate limited by the
    app today; a proxy in front of it may be, and answers like this."""
    page.goto(live_server.url + "/")
    page.route(
        re.compile(r"/\?q="),
        lambda route: route.fulfill(
            status=429, headers={"Retry-After": "120"}, body="Too Many Requests"
        ),
    )
    page.locator("#catalogue-q").fill("docker")
    expect(page.locator("#catalogue-results [role=alert]")).to_have_text(
        "Too many requests. Please wait 2 minutes, then try again."
    )
