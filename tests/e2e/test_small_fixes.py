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


ROLE_PATH = "/roles/mlops-engineer/"


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_the_matrix_is_one_tab_stop_with_arrow_keys_inside(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)
    cells = page.locator("table.matrix a.cell")
    assert cells.count() == 280
    expect(page.locator("table.matrix a.cell[tabindex='0']")).to_have_count(1)
    page.locator("#skill-filter").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cell')"):
            break
    assert _focused_id(page) == "cell-github-copilot-junior"
    # Tab leaves the cells: the next stop is the next domain's header, not the next cell.
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.classList.contains('cell')")
    page.keyboard.press("Shift+Tab")
    assert _focused_id(page) == "cell-github-copilot-junior"
    page.keyboard.press("End")
    last = page.locator("#cell-github-copilot-junior").evaluate(
        "el => [...el.closest('tr').querySelectorAll('a.cell')].pop().id"
    )
    assert _focused_id(page) == last
    page.keyboard.press("Home")
    assert _focused_id(page) == "cell-github-copilot-junior"
    # Down from a domain's last skill goes on into the next domain's first.
    last_row, next_first = page.locator("#cell-github-copilot-junior").evaluate(
        "el => { const rows = [...el.closest('tbody').querySelectorAll('tr')];"
        " const next = el.closest('details').nextElementSibling;"
        " return [rows.pop().querySelector('a.cell').id, next.querySelector('a.cell').id]; }"
    )
    page.locator(f"#{last_row}").focus()
    page.keyboard.press("ArrowDown")
    assert _focused_id(page) == next_first
    expect(page.locator("table.matrix a.cell[tabindex='0']")).to_have_count(1)
    expect(page.locator(f"#{next_first}")).to_have_attribute("tabindex", "0")
    page.keyboard.press("Control+End")
    assert _focused_id(page) == cells.last.get_attribute("id")


def test_without_javascript_every_cell_is_a_tab_stop(live_server, seeded_role, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + ROLE_PATH)
    expect(page.locator("table.matrix a.cell")).to_have_count(280)
    expect(page.locator("table.matrix a.cell[tabindex]")).to_have_count(0)
    context.close()


def test_after_voting_by_keyboard_focus_stays_on_the_vote(live_server, seeded_role, page):
    from proposals.services import proposal_create
    from proposals.tests.conftest import DOCKER_SENIOR_E

    proposal = proposal_create(
        role=seeded_role,
        author=UserFactory.create(),
        title="Seniors master Docker",
        rationale="Because.",
        changes=[DOCKER_SENIOR_E],
    )
    _sign_in(page.context, live_server, UserFactory.create())
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    page.get_by_role("button", name="Vote up").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#votes")).to_contain_text("Your vote was counted.")
    expect(page.get_by_role("button", name="Vote up")).to_be_focused()
    expect(page.get_by_role("button", name="Vote up")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Retract my vote").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#votes")).to_contain_text("Your vote was taken back.")
    page.wait_for_function("document.activeElement !== document.body", timeout=5000)
    assert page.evaluate("document.activeElement.closest('#votes') !== null")


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_header_is_one_row_with_a_menu(live_server, seeded_role, browser, javascript):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page = context.new_page()
    _sign_in(context, live_server, UserFactory.create(username="verylongusername"))
    page.goto(live_server.url + ROLE_PATH)
    header = page.locator(".site-header").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert header is not None
    assert brand is not None
    assert header["height"] < brand["height"] * 2 + 24, "the header takes more than one row"
    proposals = page.get_by_role("link", name="Proposals", exact=True)
    expect(proposals).to_be_hidden()
    page.locator("summary.site-menu__toggle", has_text="Menu").click()
    expect(proposals).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    proposals.click()
    expect(page).to_have_url(live_server.url + "/proposals/")
    context.close()


def test_the_wide_header_shows_its_links_without_a_menu(live_server, seeded_role, page):
    page.goto(live_server.url + ROLE_PATH)
    expect(page.get_by_role("link", name="Proposals", exact=True)).to_be_visible()
    expect(page.locator(".site-menu__toggle")).to_be_hidden()
