"""Browser test of membership: sign up, read the confirmation email, confirm (which signs in),
see the profile, sign out and back in by keyboard; in light and dark themes and on a 360 px
screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_accessibility import blocking_violations
from tests.e2e.test_role_pages import csp_errors

PASSWORD = "a-long-enough-secret-42"


def test_sign_up_confirm_and_see_the_profile(
    live_server, seeded_role, page, context, outbox, screenshot
):
    page.goto(live_server.url + "/roles/mlops-engineer/")
    page.get_by_role("link", name="Sign up").click()
    expect(page.get_by_role("heading", name="Sign Up")).to_be_visible()
    screenshot(page, "accounts-signup-light")

    # A mistake first: the errors stand next to their fields.
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill("not-the-same-secret")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#id_password2_error")).to_be_visible()
    screenshot(page, "accounts-signup-errors")

    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    # "Check your inbox", whether or not the address had an account: not signed in yet.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    expect(page.get_by_role("link", name="newcomer")).to_have_count(0)

    link = re.search(r"/accounts/confirm-email/\S+/", outbox[0].body)
    assert link, outbox[0].body
    assert outbox[0].to == ["newcomer@example.com"]
    page.goto(live_server.url + link.group(0))
    expect(page.get_by_role("heading", name="Confirm Email Address")).to_be_visible()
    screenshot(page, "accounts-confirm")
    page.get_by_role("button", name="Confirm").click()

    # Confirming signed them in, back on the page they came from.
    expect(page).to_have_url(re.compile(r"/roles/mlops-engineer/$"))
    page.get_by_role("link", name="newcomer").click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    expect(page.get_by_role("heading", name="newcomer")).to_be_visible()
    expect(page.locator(".badge--ok")).to_have_text("Verified")
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_label("Your token")).to_have_value(re.compile(r"^[0-9a-f]{40}$"))
    screenshot(page, "accounts-profile-light")
    assert blocking_violations(page) == []

    context.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(page, "accounts-profile-dark")
    assert blocking_violations(page) == []

    page.set_viewport_size({"width": 360, "height": 780})
    screenshot(page, "accounts-profile-360")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Email address", exact=True).click()
    expect(page.get_by_label("Current email")).to_have_value("newcomer@example.com")
    page.get_by_label("Change to").fill("moved@example.com")
    page.get_by_role("button", name="Change Email").click()
    expect(page.get_by_label("Changing to")).to_have_value("moved@example.com")
    assert outbox[-1].to == ["moved@example.com"]
    screenshot(page, "accounts-email-dark")
    page.get_by_role("link", name="Password", exact=True).click()
    expect(page.get_by_role("heading", name="Change Password")).to_be_visible()
    screenshot(page, "accounts-password-dark")
    assert blocking_violations(page) == []
    assert csp_errors(page) == []


def test_sign_out_and_in_again_by_keyboard(live_server, page, django_user_model, screenshot):
    django_user_model.objects.create_user("member", "member@example.com", PASSWORD)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username or email").focus()
    page.keyboard.type("member@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))

    page.get_by_role("button", name="Sign out").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="member")).to_have_count(0)
    assert csp_errors(page) == []


def test_sign_up_in_spanish(live_server, browser, screenshot):
    context = browser.new_context(locale="es-ES")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/accounts/signup/")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("link", name="Iniciar sesión").first).to_be_visible()
        page.locator("#id_username").fill("nuevo")
        page.locator("#id_email").fill("nuevo@example.com")
        page.locator("#id_password1").fill(PASSWORD)
        page.locator("#id_password2").fill("otra-cosa-distinta")
        page.get_by_role("button", name=re.compile("Regístrate|Registrarse")).click()
        expect(page.locator("#id_password2_error")).to_be_visible()
        screenshot(page, "accounts-signup-es-errors")
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_account_pages_in_both_themes_and_on_a_small_screen(
    live_server, browser, scheme, screenshot
):
    context = browser.new_context(color_scheme=scheme, viewport={"width": 360, "height": 780})
    try:
        page = context.new_page()
        for path, name in (("/accounts/login/", "login"), ("/accounts/password/reset/", "reset")):
            page.goto(live_server.url + path)
            screenshot(page, f"accounts-{name}-{scheme}-360")
            assert blocking_violations(page) == []
    finally:
        context.close()
