"""Browser test of the grade calculator: rate, watch the grade change, share, reopen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from roles.services import role_import
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
    expect(page.get_by_role("group")).to_have_count(56)
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
