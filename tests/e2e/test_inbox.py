"""The inbox in a browser: the bell's count in the header, /notifications/ read with and
without JavaScript, watching a role, at 1280 and 360 px, light and dark; axe on the inbox."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from proposals.models import Notification
from proposals.services import comment_add, proposal_create
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations
from tests.e2e.test_proposals import _sign_in

DOCKER_SENIOR_E = {"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}


@pytest.fixture
def told_author(transactional_db, seeded_role):
    author = UserFactory.create(username="ana")
    proposal = proposal_create(
        role=seeded_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[DOCKER_SENIOR_E],
    )
    for name, text in [
        ("ben", "Podman belongs here too, or at least a mention of rootless builds."),
        ("chloe", "Agreed — we ask seniors to debug layer caching in interviews."),
        ("dev", "Is E not too strong for a senior? W feels closer."),
    ]:
        comment_add(proposal=proposal, author=UserFactory.create(username=name), text=text)
    return author


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (1280, "dark"), (360, "light"), (360, "dark")]
)
def test_the_bell_and_the_inbox(live_server, told_author, browser, width, scheme, screenshot):
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    try:
        _sign_in(context, live_server, told_author)
        page = context.new_page()
        page.goto(live_server.url + "/proposals/")
        bell = page.get_by_role("link", name="Notifications: 3 unread")
        expect(bell).to_be_visible()
        bell.click()
        expect(page.get_by_role("heading", name="Notifications", level=1)).to_be_visible()
        expect(page.locator(".inbox-item--unread")).to_have_count(3)
        assert blocking_violations(page) == []
        screenshot(page, f"p3-inbox-{width}-{scheme}")

        # With htmx: the line is swapped in place, the bell counts on the next page.
        page.locator(".inbox-item").first.get_by_role("button", name="Mark read").click()
        expect(page.locator(".inbox-item--unread")).to_have_count(2)
        page.reload()
        expect(page.get_by_role("link", name="Notifications: 2 unread")).to_be_visible()
        screenshot(page, f"p3-bell-{width}-{scheme}", full_page=False)
    finally:
        context.close()


def test_the_inbox_works_without_javascript(
    live_server, told_author, browser, seeded_role, screenshot
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    try:
        _sign_in(context, live_server, told_author)
        page = context.new_page()
        page.goto(live_server.url + "/notifications/")
        page.get_by_role("button", name="Mark all read").click()
        expect(page.locator(".inbox-item--unread")).to_have_count(0)
        expect(page.get_by_role("link", name="Notifications: none unread")).to_be_visible()
        assert not Notification.objects.filter(recipient=told_author, read_at__isnull=True).exists()

        # Watching a role from its page, then following the news.
        page.goto(live_server.url + "/roles/mlops-engineer/")
        page.get_by_role("button", name="Watch").click()
        expect(page.get_by_role("button", name="Stop watching")).to_be_visible()
        screenshot(page, "p3-role-watch-1280-light", full_page=False)
        proposal_create(
            role=seeded_role,
            author=UserFactory.create(username="eve"),
            title="Redis for everyone",
            rationale="Caches are everywhere.",
            changes=[{**DOCKER_SENIOR_E, "skill": "redis", "level": "middle", "code": "E"}],
        )
        page.goto(live_server.url + "/notifications/")
        link = page.get_by_role(
            "link", name="Unread: eve proposed “Redis for everyone” to the role MLOps Engineer"
        )
        link.click()
        expect(page.get_by_role("heading", name="Redis for everyone")).to_be_visible()
    finally:
        context.close()
