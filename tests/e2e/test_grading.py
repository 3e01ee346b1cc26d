"""Browser test of the grade calculator: rate, watch the grade change, share, reopen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from roles.services import document_import, role_import
from roles.tests.factories import role_document


@pytest.fixture
def small_role(transactional_db):
    # 2 domains × 2 skills, 3 levels: skill X-0 asks A, W, W; skill X-1 nothing, W, W.
    return role_import(
        raw=role_document(
            slug="small-role", title="Small Role", domains=2, skills_per_domain=2, levels=3
        )
    ).role


def rate(page, skill_name: str, code_name: str) -> None:
    group = page.get_by_role("group", name=skill_name)
    group.locator("label", has_text=code_name).click()
    expect(group.get_by_role("radio", name=code_name)).to_be_checked()


def test_rate_watch_the_grade_change_share_and_reopen(
    live_server, small_role, browser, page, screenshot
):
    page.goto(f"{live_server.url}/roles/small-role/grade/")
    grade = page.locator("#grade-result .grade-name")
    expect(grade).to_have_text("Below Level 1")

    rate(page, "Skill 0-0", "Awareness")
    expect(page.locator("#grade-result .grade-rated")).to_have_text("You rated 1 of 4 skills.")
    expect(grade).to_have_text("Below Level 1")
    rate(page, "Skill 1-0", "Awareness")
    expect(grade).to_have_text("Level 1")
    expect(page.locator("#grade-announce")).to_contain_text("Your grade: Level 1.")
    expect(page.locator("#grade-result")).to_contain_text("Next level: Level 2")
    expect(page.locator("#grade-result .gap")).to_have_count(4)

    # Keyboard: arrow keys move within a radio group, and the result follows.
    page.get_by_role("group", name="Skill 0-0").get_by_role("radio", name="Awareness").focus()
    page.keyboard.press("ArrowRight")
    expect(
        page.get_by_role("group", name="Skill 0-0").get_by_role("radio", name="Working knowledge")
    ).to_be_checked()
    for skill in ("Skill 0-1", "Skill 1-0", "Skill 1-1"):
        rate(page, skill, "Working knowledge")
    expect(grade).to_have_text("Level 3")
    expect(page.locator("#grade-result .grade-top")).to_contain_text("the top of its ladder")
    rate(page, "Skill 1-1", "None")
    expect(grade).to_have_text("Level 1")
    expect(page.locator("#grade-result .gap")).to_have_count(1)
    expect(page.locator("#grade-result .gap")).to_contain_text("Skill 1-1")

    # Hiding the expected codes works without a round trip.
    expected = page.locator("#skill-skill-0-0 .expected")
    expect(expected).to_be_visible()
    page.get_by_label(re.compile("Hide the role's expected codes")).check()
    expect(expected).to_be_hidden()
    page.get_by_label(re.compile("Hide the role's expected codes")).uncheck()
    screenshot(page, "grading-calculator-light")

    page.get_by_role("button", name="Save and get a share link").click()
    expect(page).to_have_url(re.compile(r"/assessments/[-\w]{32,}/$"))
    share_url = page.url
    expect(page.locator(".grade-name")).to_have_text("Level 1")
    screenshot(page, "grading-share-light")

    fresh = browser.new_context(color_scheme="dark", viewport={"width": 1280, "height": 900})
    try:
        other = fresh.new_page()
        errors: list[str] = []
        other.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        other.goto(share_url)
        expect(other.locator(".grade-name")).to_have_text("Level 1")
        expect(other.locator("tr[data-skill='skill-0-0']")).to_contain_text("Working knowledge")
        expect(other.locator("tr[data-skill='skill-1-1']")).to_contain_text("not rated")
        screenshot(other, "grading-share-dark")
        token = share_url.rstrip("/").rsplit("/", 1)[1]
        other.goto(f"{live_server.url}/roles/small-role/grade/?from={token}")
        expect(other.locator("#grade-result .grade-name")).to_have_text("Level 1")
        screenshot(other, "grading-calculator-dark")
        assert errors == []
    finally:
        fresh.close()
    assert page.console_errors == []  # includes CSP violations


def test_the_seed_calculator_in_both_themes(
    live_server, transactional_db, seed_document, browser, page, screenshot
):
    role_import(raw=seed_document)
    page.goto(f"{live_server.url}/roles/mlops-engineer/grade/")
    expect(page.locator("fieldset.rating")).to_have_count(56)
    for skill in ("GitHub Copilot", "Cursor IDE", "ChatGPT / Claude"):
        rate(page, skill, "Working knowledge")
    expect(page.locator("#grade-result .grade-rated")).to_have_text("You rated 3 of 56 skills.")
    expect(page.locator("#grade-result .grade-name")).to_have_text("Below Junior")
    expect(page.locator("#grade-result .level-bar").first).to_contain_text(
        "3 of 56 requirements met."
    )
    shot = screenshot(page, "grading-seed-light")
    page.screenshot(path=str(shot.with_name("grading-seed-light-viewport.png")))
    dark = browser.new_context(color_scheme="dark", viewport={"width": 390, "height": 844})
    try:
        mobile = dark.new_page()
        mobile.goto(f"{live_server.url}/roles/mlops-engineer/grade/")
        expect(mobile.locator("#grade-result .grade-name")).to_have_text("Below Junior")
        rate(mobile, "Docker", "Expert")
        expect(mobile.locator("#grade-announce")).to_contain_text("55 gaps to Junior.")
        # The live line in the sticky bar is in view while rating mid-page on a phone.
        expect(mobile.locator("#grade-announce")).to_be_in_viewport()
        mobile.screenshot(
            path=str(
                screenshot(mobile, "grading-seed-dark-mobile").with_name(
                    "grading-seed-dark-mobile-viewport.png"
                )
            )
        )
    finally:
        dark.close()
    assert page.console_errors == []


# --- A visitor's walk-through (issue 11) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("javascript", "scheme"), [(True, "light"), (True, "dark"), (False, "light")]
)
def test_switching_language_keeps_the_ratings(
    live_server, small_role, browser, screenshot, javascript, scheme
):
    context = browser.new_context(
        java_script_enabled=javascript,
        color_scheme=scheme,
        viewport={"width": 1280, "height": 900},
        locale="en-US",
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/roles/small-role/grade/")
        for skill in ("Skill 0-0", "Skill 1-0"):
            group = page.get_by_role("group", name=skill)
            group.locator("label", has_text="Awareness").click()
            expect(group.get_by_role("radio", name="Awareness")).to_be_checked()
        if javascript:
            expect(page.locator("#grade-result .grade-name")).to_have_text("Level 1")

        page.get_by_role("button", name="Español").click()

        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Calculadora de grado")
        for skill in ("Skill 0-0", "Skill 1-0"):
            group = page.get_by_role("group", name=skill)
            expect(group.get_by_role("radio", name="Conocimiento general")).to_be_checked()
        expect(page.locator("#grade-result .grade-name")).to_have_text("Level 1")
        expect(page.locator("#grade-result .grade-rated")).to_contain_text("2 de 4")
        suffix = "" if javascript else "-nojs"
        screenshot(page, f"grading-language-switch-{scheme}{suffix}", full_page=False)

        # And back, still keeping them.
        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(
            page.get_by_role("group", name="Skill 1-0").get_by_role("radio", name="Awareness")
        ).to_be_checked()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_share_page_aligns_its_tables_and_copies_its_link(
    live_server, transactional_db, seed_document, browser, screenshot, scheme
):
    role_import(raw=seed_document)
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1366, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/roles/mlops-engineer/grade/")
        for skill in ("GitHub Copilot", "Docker", "Kubernetes Core", "Unit Testing"):
            rate(page, skill, "Working knowledge")
        page.get_by_role("button", name="Save and get a share link").click()
        expect(page).to_have_url(re.compile(r"/assessments/[-\w]{32,}/$"))

        # The "Rating" column starts at the same place in every domain's table.
        columns = page.evaluate(
            "[...document.querySelectorAll('.ratings-table thead th:nth-child(2)')]"
            ".map(th => Math.round(th.getBoundingClientRect().left))"
        )
        assert len(columns) == 13
        assert len(set(columns)) == 1

        share_url = page.url
        expect(page.locator("#share-url")).to_have_value(share_url)
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator("[data-copy-status]")).to_have_text("Link copied.")
        assert page.evaluate("navigator.clipboard.readText()") == share_url
        screenshot(page, f"grading-share-page-{scheme}", full_page=False)
        screenshot(page, f"grading-share-page-{scheme}-full")
    finally:
        context.close()


def test_without_javascript_the_share_link_is_text_without_a_copy_button(
    live_server, small_role, browser
):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/roles/small-role/grade/")
        page.get_by_role("group", name="Skill 0-0").locator("label", has_text="Expert").click()
        page.get_by_role("button", name="Save and get a share link").click()
        expect(page.locator("#share-url")).to_have_value(page.url)
        expect(page.locator("[data-copy]")).to_be_hidden()
    finally:
        context.close()


def test_saving_with_nothing_rated_is_refused(live_server, small_role, page):
    page.goto(f"{live_server.url}/roles/small-role/grade/")

    page.get_by_role("button", name="Save and get a share link").click()

    expect(page.locator(".grading-error")).to_have_text(
        "Rate at least one skill before saving your result."
    )
    expect(page).to_have_url(re.compile(r"/grade/share/$"))


@pytest.mark.parametrize("language", ["en-US", "es-ES"])
def test_the_action_bar_is_compact_on_a_phone(
    live_server, transactional_db, seed_document, browser, screenshot, language
):
    role_import(raw=seed_document)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale=language)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/roles/mlops-engineer/grade/")
        page.locator("#skill-docker .rating-choice-E").click()
        bar = page.locator(".ratings-actions")
        expect(page.locator("#grade-announce")).not_to_be_empty()
        page.locator("#skill-redis").scroll_into_view_if_needed()

        box = bar.bounding_box()
        assert box["height"] <= 0.12 * 740
        assert box["y"] + box["height"] == pytest.approx(740, abs=1)  # stuck to the bottom
        # Both buttons on one row, inside the window.
        buttons = [b.bounding_box() for b in bar.locator("button").all()]
        assert buttons[0]["y"] == pytest.approx(buttons[1]["y"], abs=1)
        assert buttons[1]["x"] + buttons[1]["width"] <= 360
        screenshot(page, f"grading-action-bar-360-{language}", full_page=False)
    finally:
        context.close()


# --- Grading any framework (issue 17) -------------------------------------------------------------

HARBOUR = Path(__file__).resolve().parents[2] / "roles" / "data" / "harbour-works.framework.json"


@pytest.fixture
def harbour_works(transactional_db):
    document_import(raw=HARBOUR.read_bytes())


@pytest.mark.parametrize(("width", "language"), [(1280, "en"), (360, "es")])
def test_a_forked_ladder_is_rated_on_its_scale_and_shows_each_track(
    live_server, harbour_works, browser, screenshot, width, language
):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=language, color_scheme="dark"
    )
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(f"{live_server.url}/roles/hw-software-engineer/grade/")
        testing = page.get_by_role("group", name="Testing")
        # The skill's own scale, its steps' words a click away.
        expect(testing.get_by_role("radio")).to_have_count(6)
        testing.locator("summary").click()
        expect(testing.locator(".rating-step-list")).to_contain_text("Practitioner")
        expect(testing.locator(".rating-step-list")).to_contain_text(
            "Designs the test strategy of a product line."
        )
        ratings = {"Testing": "4", "Operations": "3", "Planning and estimating": "3"}
        ratings |= {"Coaching": "2", "Hiring": "2"}
        for skill, code in ratings.items():
            group = page.get_by_role("group", name=skill)
            group.locator(f"label.rating-choice-{code}").click()
        result = page.locator("#grade-result")
        expect(result.locator(".grade-name")).to_have_text("Senior Engineer")
        expect(result.locator('.grade-path[data-track="ic"]')).to_contain_text("Staff Engineer")
        expect(result.locator('.grade-path[data-track="manager"]')).to_contain_text(
            "Engineering Manager"
        )
        # Keyboard: arrows move along the skill's five steps.
        page.get_by_role("group", name="Coaching").locator("input[value='2']").focus()
        page.keyboard.press("ArrowRight")
        expect(
            page.get_by_role("group", name="Coaching").locator("input[value='3']")
        ).to_be_checked()
        screenshot(page, f"grading-forked-{language}-{width}")
        assert errors == []
    finally:
        context.close()


def test_a_checklist_is_ticked_and_a_points_ladder_totals(
    live_server, harbour_works, page, screenshot
):
    page.goto(f"{live_server.url}/roles/hw-site-reliability/grade/")
    page.get_by_label(re.compile("^Demonstrated")).first.check()
    page.get_by_role("group", name=re.compile("^Notices when teammates")).get_by_role(
        "checkbox"
    ).check()
    expect(page.locator("#grade-result .grade-name")).to_have_text("SRE II")
    screenshot(page, "grading-checklist")

    page.goto(f"{live_server.url}/roles/hw-growth-ladder/grade/")
    page.get_by_role("group", name="Shipping").locator("label", has_text="m3").click()
    page.get_by_role("group", name="Mentoring").locator("label", has_text="m2").click()
    expect(page.locator("#grade-result .points-total")).to_contain_text("9")
    expect(page.locator("#grade-result .grade-name")).to_have_text("Growth 3")
    expect(page.locator('#grade-result tr[data-level="g4"]')).to_contain_text("9 to go")
    screenshot(page, "grading-points")
    assert page.console_errors == []
