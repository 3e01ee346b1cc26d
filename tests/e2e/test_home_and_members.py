"""The home page and a member page with the demo community, light and dark, at 1280 and 360
pixels: axe finds nothing serious and nothing overflows sideways."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.test_accessibility import blocking_violations


@pytest.fixture
def demo_community(seeded_role, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False


def _overflows(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 360])
def test_home_and_member_page(live_server, demo_community, browser, screenshot, scheme, width):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page.get_by_role("heading", name="How it works")).to_be_visible()
        expect(page.get_by_role("heading", name="Proposals that need votes")).to_be_visible()
        expect(page.get_by_role("link", name="[Demo] Seniors run Kubernetes")).to_be_visible()
        assert blocking_violations(page) == []
        assert not _overflows(page)
        screenshot(page, f"home-{width}-{scheme}")

        page.get_by_role("link", name="[Demo] Seniors run Kubernetes").click()
        page.get_by_role("link", name="demo-eli", exact=True).first.click()
        expect(page.get_by_role("heading", name="demo-eli", level=1)).to_be_visible()
        assert blocking_violations(page) == []
        assert not _overflows(page)
        screenshot(page, f"member-{width}-{scheme}")
    finally:
        context.close()
