"""Browser test of a role's public history: a curator edits a cell in the admin, a visitor sees
it in the history, opens the old version and compares the two — in light and dark themes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

ROLE_PATH = "/roles/mlops-engineer/"


@pytest.fixture
def curator(transactional_db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="curator", email="curator@example.com", password="pw-curator-123"
    )


def test_edit_in_the_admin_then_history_old_version_and_compare(
    live_server, seeded_role, curator, page, browser, screenshot
):
    # A curator changes Docker · Senior from A to E in the admin's matrix grid.
    page.goto(f"{live_server.url}/admin/login/?next=/admin/roles/role/{seeded_role.pk}/matrix/")
    # The admin's sign-in is the site's (allauth) one.
    page.fill("#id_login", "curator")
    page.fill("#id_password", "pw-curator-123")
    page.press("#id_password", "Enter")
    page.select_option("#id_code__docker__senior", "E")
    page.click("input[name=save_grid]")
    expect(page.locator(".messagelist")).to_contain_text("Saved: version 2.")
    # The version's admin page tells the change in words and shows the snapshot readably.
    from roles.models import RoleVersion

    version = RoleVersion.objects.get(role=seeded_role, number=2)
    page.goto(f"{live_server.url}/admin/roles/roleversion/{version.pk}/change/")
    expect(page.locator(".field-change_list")).to_contain_text("docker · senior set to E")
    expect(page.locator(".field-cells_changed")).to_contain_text("Docker · Senior: A → E")
    expect(page.locator("pre.snapshot-text")).to_contain_text('"format": "skillsmatrix.role/v1"')
    screenshot(page, "admin-version-light", full_page=False)

    # A visitor (no session) finds the change from the role page.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        view = visitor.new_page()
        view.goto(live_server.url + ROLE_PATH)
        version_line = view.locator("[data-role-version] a")
        expect(version_line).to_contain_text("Version 2, last changed")
        screenshot(view, "role-page-version-line", full_page=False)
        version_line.click()
        expect(view.get_by_role("heading", level=1)).to_have_text("History of MLOps Engineer")
        newest = view.locator("#v2")
        expect(newest).to_contain_text("Docker · Senior: A → E")
        expect(newest).to_contain_text("curator")
        expect(view.locator("#v1")).to_contain_text("import")
        screenshot(view, "history-light")

        view.locator("#v1 h2 a").click()
        expect(view.locator(".version-banner")).to_contain_text("You are looking at version 1")
        docker = view.locator("tr", has=view.locator("th", has_text="Docker")).first
        expect(docker.locator("td").nth(2)).to_contain_text("A")
        screenshot(view, "version-1-light", full_page=False)

        view.get_by_role("link", name="Compare with current").click()
        expect(view.get_by_role("heading", level=2).first).to_have_text(
            "From version 1 to version 2"
        )
        changed = view.locator("td.is-changed")
        expect(changed).to_have_count(1)
        expect(changed.locator("del")).to_contain_text("A")
        expect(changed.locator("ins")).to_contain_text("E")
        screenshot(view, "compare-light")

        # The form picks any two versions without JavaScript's help.
        view.fill("#id_from", "2")
        view.fill("#id_to", "1")
        view.get_by_role("button", name="Compare").click()
        expect(view.get_by_role("heading", level=2).first).to_have_text(
            "From version 2 to version 1"
        )

        # The same pages in the dark theme.
        visitor.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url}])
        for path, name in [
            ("history/", "history-dark"),
            ("versions/1/", "version-1-dark"),
            ("compare/?from=1&to=2", "compare-dark"),
        ]:
            view.goto(live_server.url + ROLE_PATH + path)
            expect(view.locator("html")).to_have_attribute("data-theme", "dark")
            screenshot(view, name, full_page=path != "versions/1/")
        errors = [m for m in page.console_errors if "Content Security Policy" in m]
        assert errors == []
    finally:
        visitor.close()
