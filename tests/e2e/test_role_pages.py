"""Browser tests of the public role pages: the matrix, cell details, keyboard, language, themes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

ROLE_PATH = "/roles/mlops-engineer/"


def csp_errors(page) -> list[str]:
    return [
        message
        for message in page.console_errors
        if "Content Security Policy" in message or "Refused to" in message
    ]


def test_role_page_shows_the_matrix_and_a_cell_panel_on_click(
    live_server, seeded_role, page, screenshot
):
    page.goto(live_server.url + ROLE_PATH)

    expect(page.get_by_role("heading", level=1)).to_have_text("MLOps Engineer")
    expect(page.locator("table.matrix")).to_have_count(13)
    expect(page.locator("a.cell")).to_have_count(280)
    expect(page.locator("[data-matrix-tools]")).to_be_visible()
    screenshot(page, "role-page-light")

    page.locator("#cell-docker-senior").click()

    title = page.locator("#cell-panel #cell-detail-title")
    expect(title).to_contain_text("Docker")
    expect(title).to_contain_text("Senior")
    expect(title).to_be_focused()
    expect(page.locator("#cell-panel")).to_contain_text("Awareness")
    expect(page.locator("#cell-panel")).to_contain_text("Mandatory")
    expect(page.locator("#cell-docker-senior")).to_have_attribute("aria-current", "true")
    # The panel was swapped in, and the address names the cell so it can be shared.
    expect(page).to_have_url(live_server.url + ROLE_PATH + "cells/docker/senior/")
    screenshot(page, "role-page-cell-panel")
    screenshot(page, "role-page-cell-panel-viewport", full_page=False)

    # Another level of the same skill from inside the panel.
    page.locator("#cell-panel .skill-ladder a", has_text="Lead").click()
    expect(title).to_contain_text("Lead")
    assert csp_errors(page) == []


def test_cells_are_operable_by_keyboard(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)

    # Tab from the filter box walks into the first domain's table.
    page.locator("#skill-filter").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cell')"):
            break
    first = page.locator("#cell-github-copilot-junior")
    expect(first).to_be_focused()

    # The matrix is one tab stop: arrow keys move inside it.
    page.keyboard.press("ArrowRight")
    expect(page.locator("#cell-github-copilot-middle")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#cell-cursor-ide-middle")).to_be_focused()

    page.keyboard.press("Enter")
    title = page.locator("#cell-detail-title")
    expect(title).to_be_focused()
    expect(title).to_contain_text("Cursor IDE")
    expect(title).to_contain_text("Middle")

    # Escape returns focus to the cell that opened the panel.
    page.keyboard.press("Escape")
    expect(page.locator("#cell-cursor-ide-middle")).to_be_focused()

    # So does the panel's "Back to the matrix" link, operated with the keyboard.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(title).to_contain_text("Senior")
    page.locator("[data-panel-back]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#cell-cursor-ide-senior")).to_be_focused()
    assert csp_errors(page) == []


def test_highlight_filter_and_collapse(live_server, seeded_role, page, screenshot):
    page.goto(live_server.url + ROLE_PATH)

    page.locator("[data-highlight-level='senior']").click()
    expect(page.locator("[data-highlight-level='senior']")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("td.is-highlighted")).to_have_count(56)
    expect(page.locator("td[data-level='junior'].is-highlighted")).to_have_count(0)

    page.locator("#skill-filter").fill("kube")
    expect(page.locator("tr[data-skill-name]:visible")).to_have_count(2)
    expect(page.locator("[data-domain]:visible")).to_have_count(1)
    expect(page.locator("[data-filter-status]")).to_have_text("Matching skills: 2")
    screenshot(page, "role-page-highlight-filter")
    page.locator("#skill-filter").fill("")
    expect(page.locator("tr[data-skill-name]:visible")).to_have_count(56)

    page.locator("[data-collapse-all]").click()
    expect(page.locator("details.domain[open]")).to_have_count(0)
    page.locator("#domain-security summary").click()
    expect(page.locator("details.domain[open]")).to_have_count(1)
    expect(page.locator("#cell-jwt-oauth2-oidc-lead")).to_be_visible()
    assert csp_errors(page) == []


def test_switch_to_spanish_is_remembered(live_server, seeded_role, page, screenshot):
    page.goto(live_server.url + ROLE_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Español").click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#matrix-title")).to_have_text("Matriz de habilidades")
    expect(page.locator("#focus-title")).to_have_text("Enfoque por nivel")
    expect(page.locator("#stack-title")).to_have_text("Stack tecnológico")
    expect(page.locator("#faq-title")).to_have_text("Preguntas frecuentes")
    expect(page.locator(".matrix-section .section__head")).to_contain_text(
        "Haga clic en una celda para ver detalles."
    )
    expect(page.get_by_role("link", name="Calculadora de grado").first).to_be_visible()
    screenshot(page, "role-page-es")
    screenshot(page, "role-page-es-viewport", full_page=False)

    # Remembered: a later visit (with an English browser) stays in Spanish.
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Roles profesionales y sus matrices de habilidades"
    )
    assert csp_errors(page) == []


def test_dark_mode_toggle_persists_without_a_flash(live_server, seeded_role, page, screenshot):
    page.goto(live_server.url + ROLE_PATH)
    toggle = page.locator("[data-theme-toggle]")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    light_background = page.evaluate("getComputedStyle(document.body).backgroundColor")

    toggle.click()

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    dark_background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark_background != light_background
    assert dark_background == "rgb(14, 17, 24)"

    # The server renders the choice into <html>, so the next page starts dark.
    response = page.goto(live_server.url + ROLE_PATH)
    assert 'data-theme="dark"' in response.text()
    page.locator("#cell-kubernetes-core-lead").click()
    expect(page.locator("#cell-detail-title")).to_be_focused()
    screenshot(page, "role-page-dark")
    screenshot(page, "role-page-dark-viewport", full_page=False)

    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    assert csp_errors(page) == []


def test_system_dark_preference_is_followed(live_server, seeded_role, browser, screenshot):
    context = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(14, 17, 24)"
        expect(page.locator("[data-theme-toggle]")).to_have_attribute("aria-pressed", "true")
        screenshot(page, "catalogue-dark")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_level_is_in_view_at_360_pixels(
    live_server, seeded_role, browser, screenshot, scheme
):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="es-ES", color_scheme=scheme
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + ROLE_PATH)
        screenshot(page, f"role-page-360-{scheme}", full_page=False)
        # Neither the page nor any domain table scrolls sideways: all five levels fit.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        sideways = page.evaluate(
            "[...document.querySelectorAll('.table-scroll')]"
            ".filter(el => el.scrollWidth > el.clientWidth).length"
        )
        assert sideways == 0
        principal = page.locator("#cell-docker-principal")
        principal.scroll_into_view_if_needed()
        box = principal.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 360
        page.locator("#domain-cloud-infrastructure").scroll_into_view_if_needed()
        screenshot(page, f"role-page-360-{scheme}-matrix", full_page=False)

        principal.click()
        expect(page.locator("#cell-detail-title")).to_be_focused()
        expect(page.locator("#cell-detail-title")).to_be_in_viewport()
        screenshot(page, f"role-page-360-{scheme}-cell", full_page=False)
    finally:
        context.close()


def test_a_ladder_too_long_for_a_phone_scrolls_with_a_cue(live_server, transactional_db, browser):
    from roles.services import role_import
    from roles.tests.factories import role_document

    role_import(raw=role_document(slug="long-ladder", domains=1, skills_per_domain=3, levels=9))
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/roles/long-ladder/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        scroller = page.locator("#domain-domain-0 .table-scroll")
        assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
        # A shadow on the right edge says there is more.
        assert "radial-gradient" in scroller.evaluate("el => getComputedStyle(el).backgroundImage")
        skill = page.locator("#skill-skill-0-0 th")
        before = skill.bounding_box()["x"]
        scroller.evaluate("el => { el.scrollLeft = 200; }")
        page.wait_for_function(
            "document.querySelector('#domain-domain-0 .table-scroll').scrollLeft > 0"
        )
        # The skill column is sticky: it stays put while the codes scroll under it.
        assert skill.bounding_box()["x"] == pytest.approx(before, abs=1)
    finally:
        context.close()


def test_works_without_javascript(live_server, seeded_role, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + ROLE_PATH)
        expect(page.locator("[data-matrix-tools]")).to_be_hidden()

        page.locator("#cell-docker-senior").click()

        # The cell's own page: the role page with its panel open, scrolled to the panel.
        expect(page).to_have_url(
            re.compile(r"/roles/mlops-engineer/cells/docker/senior/#cell-panel$")
        )
        expect(page.locator("#cell-detail-title")).to_contain_text("Docker")
        expect(page.locator("#cell-detail-title")).to_be_in_viewport()
        expect(page.locator("table.matrix")).to_have_count(13)
        page.get_by_role("link", name="Back to the matrix").click()
        expect(page).to_have_url(re.compile(r"/roles/mlops-engineer/#cell-docker-senior$"))

        # The theme switch posts a form and the server remembers it.
        page.locator("[data-theme-toggle]").click()
        expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    finally:
        context.close()


def test_catalogue_search(live_server, seeded_role, page, screenshot):
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="MLOps Engineer", exact=True)).to_be_visible()
    screenshot(page, "catalogue-light")

    page.get_by_label("Search roles and skills").fill("kubernetes")

    # Searched as you type (htmx) and the address follows, so the result can be shared.
    expect(page.locator("#skill-matches-title")).to_be_visible()
    expect(page.get_by_role("link", name="Kubernetes Core")).to_be_visible()
    expect(page).to_have_url(re.compile(r"\?q=kubernetes$"))
    screenshot(page, "catalogue-search")

    page.get_by_label("Search roles and skills").fill("cobol")
    expect(page.locator("#catalogue-results")).to_contain_text("No roles or skills match")
    assert csp_errors(page) == []


def test_staff_see_matrix_health(live_server, seeded_role, page, screenshot, django_user_model):
    django_user_model.objects.create_superuser("curator", "curator@example.com", "pw-curator-1")
    page.goto(live_server.url + "/accounts/login/?next=" + ROLE_PATH)
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill("pw-curator-1")
    page.get_by_role("button", name="Sign in").click()

    health = page.locator("[data-matrix-health]")
    expect(health).to_contain_text("56 requirements drop from one level to the next.")
    health.locator("summary").click()
    expect(health.locator("tr[data-drop]")).to_have_count(56)
    expect(health.locator("tr[data-drop]").first).to_contain_text("GitHub Copilot")
    screenshot(page, "role-page-staff-health", full_page=False)
    assert csp_errors(page) == []


# --- A visitor's walk-through (issue 11) ----------------------------------------------------------


def _summary_pixels(page, summary) -> bytes:
    box = summary.bounding_box()
    return page.screenshot(clip=box)


def test_keyboard_focus_on_a_domain_header_is_visible(live_server, seeded_role, page, screenshot):
    page.goto(live_server.url + ROLE_PATH)
    summary = page.locator("#domain-security summary")
    summary.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    unfocused = _summary_pixels(page, summary)

    # Keyboard focus (focus-visible): from the previous domain's last cell, Tab.
    last_cell = page.locator("#domain-security").evaluate(
        "el => [...el.previousElementSibling.querySelectorAll('a.cell')].pop().id"
    )
    page.locator(f"#{last_cell}").focus()
    page.keyboard.press("Tab")
    expect(summary).to_be_focused()

    # The ring is drawn inside the header's own box, where the domain's clip cannot hide it.
    assert _summary_pixels(page, summary) != unfocused
    screenshot(page, "role-page-domain-focus", full_page=False)


def test_cells_are_named_by_skill_level_and_code(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)

    expect(page.get_by_role("link", name="Docker, Senior: Awareness", exact=True)).to_have_count(1)
    expect(
        page.get_by_role("link", name="Kubernetes Core, Lead: Expert", exact=True)
    ).to_have_attribute("id", "cell-kubernetes-core-lead")


def test_an_open_cell_has_an_address_back_and_forward_follow(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)
    title = page.locator("#cell-detail-title")

    page.locator("#cell-docker-senior").click()
    expect(title).to_contain_text("Senior")
    expect(page).to_have_url(live_server.url + ROLE_PATH + "cells/docker/senior/")
    expect(page).to_have_title(re.compile(r"^Docker · Senior · MLOps Engineer"))
    page.locator("#cell-panel .skill-ladder a", has_text="Lead").click()
    expect(title).to_contain_text("Lead")
    expect(page).to_have_url(live_server.url + ROLE_PATH + "cells/docker/lead/")

    page.go_back()
    expect(page).to_have_url(live_server.url + ROLE_PATH + "cells/docker/senior/")
    expect(title).to_contain_text("Senior")
    expect(page.locator("#cell-docker-senior")).to_have_attribute("aria-current", "true")
    page.go_back()
    expect(page).to_have_url(live_server.url + ROLE_PATH)
    expect(page.locator("#cell-panel")).to_contain_text("Click a cell to see details.")
    page.go_forward()
    expect(page).to_have_url(live_server.url + ROLE_PATH + "cells/docker/senior/")
    expect(title).to_contain_text("Docker")
    # The tools still work on a page reached through history.
    expect(page.locator("[data-matrix-tools]")).to_be_visible()
    page.locator("#skill-filter").fill("kube")
    expect(page.locator("tr[data-skill-name]:visible")).to_have_count(2)
    assert csp_errors(page) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_shared_cell_link_opens_the_cell(live_server, seeded_role, browser, screenshot, scheme):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(live_server.url + ROLE_PATH + "cells/jwt-oauth2-oidc/lead/")
        title = page.locator("#cell-detail-title")
        expect(title).to_contain_text("JWT")
        expect(title).to_be_focused()
        expect(title).to_be_in_viewport()
        cell = page.locator("#cell-jwt-oauth2-oidc-lead")
        expect(cell).to_have_attribute("aria-current", "true")
        expect(cell).to_be_in_viewport()
        screenshot(page, f"role-page-shared-cell-{scheme}", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_cell_near_the_bottom_opens_its_panel_in_view(
    live_server, seeded_role, browser, screenshot, scheme
):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(live_server.url + ROLE_PATH)
        last = page.locator("#cell-code-review-principal")  # the matrix's last cell
        last.evaluate("el => el.scrollIntoView({block: 'end'})")
        page.evaluate("window.scrollBy(0, 300)")  # the matrix's end mid-window, the FAQ below

        last.click()

        title = page.locator("#cell-detail-title")
        expect(title).to_be_focused()
        # The whole panel header is in the window (its top was 47 px above it), and the cell
        # that opened it too.
        panel = page.locator("#cell-panel").bounding_box()
        assert panel["y"] >= 0
        box = title.bounding_box()
        assert box["y"] + box["height"] <= 768
        expect(last).to_be_in_viewport()
        screenshot(page, f"role-page-bottom-cell-{scheme}", full_page=False)
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_role_page_at_1366_pixels(live_server, seeded_role, browser, screenshot, scheme):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(live_server.url + ROLE_PATH)
        expect(page.locator("a.cell")).to_have_count(280)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        screenshot(page, f"role-page-1366-{scheme}", full_page=False)
        screenshot(page, f"role-page-1366-{scheme}-full")
    finally:
        context.close()


def test_the_matrix_prints_whole(live_server, seeded_role, page, screenshot):
    page.set_viewport_size({"width": 800, "height": 1100})
    page.goto(live_server.url + ROLE_PATH)
    page.locator("[data-collapse-all]").click()
    expect(page.locator("details.domain[open]")).to_have_count(0)

    # Paper is light even for a visitor on a dark system theme.
    page.emulate_media(media="print", color_scheme="dark")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("[data-matrix-tools]")).to_be_hidden()
    expect(page.locator("#cell-panel")).to_be_hidden()
    # Collapsed domains still print, every column of them.
    expect(page.locator("#cell-jwt-oauth2-oidc-principal")).to_be_visible()
    sideways = page.evaluate(
        "[...document.querySelectorAll('.table-scroll')]"
        ".filter(el => el.scrollWidth > el.clientWidth).length"
    )
    assert sideways == 0
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    screenshot(page, "role-page-print")
    from tests.e2e.conftest import ARTIFACTS

    page.pdf(path=str(ARTIFACTS / "role-page.pdf"), format="A4")


def test_the_downloads_are_links_on_the_page(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)

    with page.expect_download() as download:
        page.locator("[data-export='csv']").click()
    assert download.value.suggested_filename == "mlops-engineer-v1.csv"
    with page.expect_download() as download:
        page.locator("[data-export='json']").click()
    assert download.value.suggested_filename == "mlops-engineer-v1.json"
