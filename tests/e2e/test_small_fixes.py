"""Browser checks of issue 18's small fixes that only a browser shows: how a disabled Submit
looks, the role matrix as one tab stop, focus after a vote, the phone header, badge contrast."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from proposals.tests.factories import UserFactory
from tests.e2e.test_proposals import _sign_in

EDITOR_PATH = "/proposals/new/?role=mlops-engineer"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_an_unconfirmed_members_submit_looks_disabled(live_server, seeded_role, browser, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    user = UserFactory.create(username="newcomer", email="new@example.com", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    _sign_in(context, live_server, user)
    page.goto(live_server.url + EDITOR_PATH)
    submit = page.get_by_role("button", name="Submit for voting")
    preview = page.locator("button.button", has_text="Preview").first
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).cursor]"
    disabled_bg, cursor = submit.evaluate(style)
    accent_bg = page.evaluate(
        "() => { const b = document.createElement('button'); b.className = 'button';"
        " document.body.append(b); const c = getComputedStyle(b).backgroundColor; b.remove();"
        " return c; }"
    )
    assert submit.is_disabled()
    assert disabled_bg != accent_bg, "the disabled Submit has the enabled button's colour"
    assert cursor == "not-allowed"
    assert preview.is_enabled()
    assert page.get_by_role("button", name="Send the confirmation email to new@example.com again")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_switching_language_in_the_editor_keeps_the_draft(
    live_server, seeded_role, browser, javascript
):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=javascript, locale="en-US"
    )
    page = context.new_page()
    _sign_in(context, live_server, UserFactory.create())
    page.goto(live_server.url + EDITOR_PATH)
    page.get_by_label("Title").fill("Seniors master Docker")
    page.get_by_label("Rationale").fill("Every senior debugs image builds.")
    page.get_by_role("button", name="Español").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proponer un cambio")
    expect(page.locator("#id_title")).to_have_value("Seniors master Docker")
    expect(page.locator("#id_rationale")).to_have_value("Every senior debugs image builds.")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_status_badges_have_enough_contrast(live_server, seeded_role, browser, scheme):
    from django.utils import timezone

    from proposals.models import Proposal
    from proposals.services import proposal_create
    from proposals.tests.conftest import DOCKER_SENIOR_E
    from tests.e2e.test_accessibility import blocking_violations

    for status in ("accepted", "rejected"):
        proposal = proposal_create(
            role=seeded_role,
            author=UserFactory.create(),
            title=f"A change, {status}",
            rationale="Because.",
            changes=[DOCKER_SENIOR_E],
        )
        Proposal.objects.filter(pk=proposal.pk).update(status=status, decided_at=timezone.now())
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(live_server.url + "/proposals/")
    expect(page.locator(".status--accepted").first).to_be_visible()
    assert blocking_violations(page) == []
    context.close()
