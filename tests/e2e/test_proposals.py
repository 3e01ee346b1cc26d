"""Browser test of a proposal's whole life as members live it, in English and in Spanish: sign up
and confirm by email, propose from a cell with the preview, vote as other members signed in
through the sign-in page, close, approve as an expert, then see the new version in the role's
history and the changed cell on the role page; the decision record in both themes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from proposals.models import Proposal, Vote
from proposals.services import expertise_grant, proposals_close_due
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations

ROLE_PATH = "/roles/mlops-engineer/"


def _sign_in(context, live_server, user) -> None:
    """Give the browser a session of ``user`` (whatever the sign-in page looks like)."""
    client = Client()
    client.force_login(user)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


# What each step reads and clicks, in each language the whole flow runs in.
TEXT = {
    "en": {
        "sign_up": "Sign up",
        "sign_up_button": "Sign Up",
        "confirm": "Confirm",
        "verified": "Verified",
        "propose": "Propose a change",
        "editor": "Propose a change to MLOps Engineer",
        "preview": "Preview",
        "submit": "Submit for voting",
        "voting": "Voting",
        "sign_in_button": "Sign In",
        "vote_up": "Vote up",
        "counted": "Your vote was counted.",
        "in_review": "In review",
        "approve": "Approve",  # the review form's choice
        "submit_review": "Submit review",
        "made_version": "It made version 2 of the role.",
        "accepted": "Accepted",
        "history_link": "proposal #{pk}",
        "profile_link": "Your proposal on the proposals page",
    },
    "es": {
        "sign_up": "Registrarse",
        "sign_up_button": "Registrarse",
        "confirm": "Confirmar",
        "verified": "Verificada",
        "propose": "Proponer un cambio",
        "editor": "Proponer un cambio a MLOps Engineer",
        "preview": "Vista previa",
        "submit": "Enviar a votación",
        "voting": "En votación",
        "sign_in_button": "Iniciar sesión",
        "vote_up": "Votar a favor",
        "counted": "Se contó su voto.",
        "in_review": "En revisión",
        "approve": "Aprobar",
        "submit_review": "Enviar revisión",
        "made_version": "Dio lugar a la versión 2 del rol.",
        "accepted": "Aceptada",
        "history_link": "propuesta n.º {pk}",
        "profile_link": "Su propuesta en la página de propuestas",
    },
}
LOCALES = {"en": "en-US", "es": "es-ES"}
PASSWORD = "a-long-enough-secret-42"


def _member_signs_in(browser, live_server, username: str, language: str, text: dict[str, str]):
    """A member created in the database signs in through the site's sign-in page: a new
    browser (context) and its page."""
    UserFactory.create(username=username, password=PASSWORD)
    member = browser.new_context(viewport={"width": 1280, "height": 900}, locale=LOCALES[language])
    page = member.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/accounts/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=text["sign_in_button"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    return member, page


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_proposals_whole_life_as_members_live_it(
    live_server, seeded_role, browser, outbox, settings, screenshot, language
):
    """Sign up and confirm by email, propose from a cell with the preview, others sign in and
    vote, voting closes, an expert approves on the page, and the role shows the change."""
    settings.VOTING_QUORUM = 2
    text = TEXT[language]
    suffix = "" if language == "en" else "-es"
    author_context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale=LOCALES[language]
    )
    page = author_context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    # Sign up from the role page, then confirm the address with the emailed link.
    page.goto(live_server.url + ROLE_PATH)
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.get_by_role("link", name=text["sign_up"], exact=True).click()
    page.locator("#id_username").fill("ada")
    page.locator("#id_email").fill("ada@example.com")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name=text["sign_up_button"], exact=True).click()
    # "Check your inbox" (the same answer for a taken address): signed in by the emailed link.
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))
    assert [message.to for message in outbox] == [["ada@example.com"]]
    link = re.search(r"/accounts/confirm-email/\S+/", outbox[0].body)
    assert link, outbox[0].body
    page.goto(live_server.url + link.group(0))
    page.get_by_role("button", name=text["confirm"], exact=True).click()
    expect(page).to_have_url(re.compile(r"/roles/mlops-engineer/$"))
    page.goto(live_server.url + "/accounts/profile/")
    expect(page.locator(".badge--ok")).to_have_text(text["verified"])

    # Propose from a cell: the panel's link pre-fills the cell's requirement.
    page.goto(live_server.url + ROLE_PATH)
    page.locator("#cell-docker-senior").click()
    panel = page.locator("#cell-panel")
    panel.get_by_role("link", name=text["propose"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["editor"])
    expect(page.locator("#id_change-0-skill")).to_have_value("docker")
    expect(page.locator("#id_change-0-level")).to_have_value("senior")
    expect(page.locator("#id_change-0-text")).to_be_hidden()  # only what a requirement uses
    page.locator("#id_change-0-code").select_option("E")
    page.get_by_role("button", name=text["preview"]).click()  # htmx swaps the preview in
    changed = page.locator("#preview td.is-changed")
    expect(changed).to_have_count(1)
    expect(changed.locator("del")).to_contain_text("A")
    expect(changed.locator("ins")).to_contain_text("E")
    screenshot(page, f"proposal-preview{suffix}")
    page.locator("#id_title").fill("Seniors master Docker")
    page.locator("#id_rationale").fill("Every senior on our team debugs image builds weekly.")
    page.get_by_role("button", name=text["submit"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seniors master Docker")
    expect(page.locator(".status").first).to_have_text(text["voting"])
    proposal = Proposal.objects.get()
    assert proposal.changes[0]["code"] == "E"
    assert proposal.author.username == "ada"

    # Two other members sign in and vote up (htmx swaps the tally in place).
    for count, username in enumerate(("bob", "cy"), start=1):
        voter, voter_page = _member_signs_in(browser, live_server, username, language, text)
        voter_page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
        voter_page.get_by_role("button", name=text["vote_up"]).click()
        expect(voter_page.locator("#votes")).to_contain_text(text["counted"])
        expect(voter_page.locator("#votes .tally__up")).to_have_text(f"▲ {count}")
        if count == 2:
            screenshot(voter_page, f"proposal-page-voting{suffix}")
        voter.close()

    # Voting closes (the periodic task's service, at a time after the window).
    closed = proposals_close_due(now=proposal.closes_at + timedelta(seconds=1))
    assert [c.status for c in closed] == ["in_review"]
    page.reload()
    expect(page.locator(".status").first).to_have_text(text["in_review"])

    # An expert signs in and approves with a comment.
    expert_context, expert_page = _member_signs_in(browser, live_server, "grace", language, text)
    expertise_grant(user=User.objects.get(username="grace"))
    expert_page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    expert_page.get_by_label(text["approve"]).check()
    expert_page.locator("#id_comment").fill("Matches what seniors do.")
    expert_page.get_by_role("button", name=text["submit_review"]).click()
    record = expert_page.locator("#decision")
    expect(record).to_contain_text(text["made_version"])
    expect(record).to_contain_text("Matches what seniors do.")
    expect(expert_page.locator(".status").first).to_have_text(text["accepted"])
    record.scroll_into_view_if_needed()
    screenshot(expert_page, f"proposal-decision-record{suffix}", full_page=False)
    expert_context.add_cookies([{"name": "theme", "value": "dark", "url": live_server.url}])
    expert_page.reload()
    expect(expert_page.locator("html")).to_have_attribute("data-theme", "dark")
    expert_page.locator("#decision").scroll_into_view_if_needed()
    screenshot(expert_page, f"proposal-decision-record{suffix}-dark", full_page=False)
    assert blocking_violations(expert_page) == []

    # The version it made, in the role's history, and the changed cell on the role page.
    expert_page.get_by_role("link", name=text["made_version"]).click()
    expect(expert_page).to_have_url(re.compile(r"/roles/mlops-engineer/versions/2/$"))
    expert_page.goto(live_server.url + ROLE_PATH + "history/")
    history_link = expert_page.get_by_role("link", name=text["history_link"].format(pk=proposal.pk))
    expect(history_link).to_be_visible()
    expert_page.goto(live_server.url + ROLE_PATH)
    expect(expert_page.locator("#cell-docker-senior")).to_contain_text("E")
    expert_context.close()

    # The author's profile lists the proposal, now accepted.
    page.goto(live_server.url + "/accounts/profile/")
    mine = page.locator("#proposals")
    expect(mine.get_by_role("link", name="Seniors master Docker")).to_be_visible()
    expect(mine.locator(".status")).to_have_text(text["accepted"])
    expect(mine.get_by_role("link", name=text["profile_link"])).to_be_visible()
    screenshot(page, f"profile-after-a-proposal{suffix}")
    author_context.close()
    assert errors == []


def test_editor_works_without_javascript(live_server, seeded_role, browser):
    context = browser.new_context(java_script_enabled=False)
    _sign_in(context, live_server, UserFactory.create(username="nojs"))
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
    page.locator("#id_change-0-code").select_option("W")
    page.get_by_role("button", name="Add a change").click()
    page.locator("#id_change-1-op").select_option("set_focus")
    page.locator("#id_change-1-level").select_option("lead")
    page.locator("#id_change-1-text").fill("Own the platform.")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview td.is-changed")).to_have_count(1)
    expect(page.locator("#preview")).to_contain_text("Own the platform.")
    page.locator("#id_title").fill("Two changes")
    page.locator("#id_rationale").fill("Because.")
    page.get_by_role("button", name="Submit for voting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two changes")
    expect(page.locator("#votes")).to_contain_text("Authors do not vote on their own proposals.")
    context.close()


def test_vote_and_review_work_without_javascript(live_server, seeded_role, browser, settings):
    from proposals.services import proposal_create

    settings.VOTING_QUORUM = 1
    proposal = proposal_create(
        role=seeded_role,
        author=UserFactory.create(username="writer"),
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    url = f"{live_server.url}/proposals/{proposal.pk}/"

    voter = browser.new_context(java_script_enabled=False)
    _sign_in(voter, live_server, UserFactory.create(username="voter"))
    page = voter.new_page()
    page.goto(url)
    page.get_by_role("button", name="Vote down").click()  # a plain POST, then a redirect
    expect(page).to_have_url(url + "#votes")  # back where the buttons are
    expect(page.locator("#votes .tally__down")).to_have_text("▼ 1")
    expect(page.locator("#votes")).to_contain_text("You voted down.")
    page.get_by_role("button", name="Vote up").click()  # changing one's mind
    expect(page.locator("#votes .tally__up")).to_have_text("▲ 1")
    expect(page.locator("#votes .tally__down")).to_have_text("▼ 0")
    page.get_by_role("button", name="Retract my vote").click()
    expect(page.locator("#votes .tally__up")).to_have_text("▲ 0")
    page.get_by_role("button", name="Vote up").click()
    voter.close()

    proposals_close_due(now=proposal.closes_at + timedelta(seconds=1))
    expert = UserFactory.create(username="reviewer")
    expertise_grant(user=expert)
    reviewer = browser.new_context(java_script_enabled=False)
    _sign_in(reviewer, live_server, expert)
    page = reviewer.new_page()
    page.goto(url)
    # A review without a comment goes nowhere: the browser asks for it (and the server would
    # refuse it with a 400 and the form, see proposals/tests/test_views.py).
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Submit review").click()
    expect(page).to_have_url(url)
    expect(page.locator("#review")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.status == "in_review"
    page.locator("#id_comment").fill("Seniors need working knowledge, not mastery.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator("#decision")).to_contain_text("Rejected in expert review")
    expect(page.locator("#decision .review")).to_contain_text("Rejected")
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    reviewer.close()


@pytest.mark.parametrize("debug", [False, True])
def test_refusals_show_in_place_with_javascript(live_server, seeded_role, browser, settings, debug):
    """A vote, comment or proposal refused with a 4xx (here: the author withdrew the proposal
    while the page was open; a change that changes nothing) says why where the member clicked,
    as it does without JavaScript; with DEBUG on too (where django-htmx shows error pages)."""
    from proposals.services import proposal_create, proposal_withdraw

    settings.DEBUG = debug

    author = UserFactory.create(username="writer")
    proposal = proposal_create(
        role=seeded_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    context = browser.new_context()
    _sign_in(context, live_server, UserFactory.create(username="late"))
    page = context.new_page()
    page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
    proposal_withdraw(proposal=proposal, author=author)

    with page.expect_response(re.compile(r"/vote/$")) as answer:
        page.get_by_role("button", name="Vote up").click()
    assert answer.value.status == 409
    expect(page.locator("#votes [role=alert]")).to_have_text("Voting on this proposal is closed.")

    page.locator("#id_text").fill("Still worth it?")
    with page.expect_response(re.compile(r"/comments/$")) as answer:
        page.get_by_role("button", name="Add comment").click()
    assert answer.value.status == 409
    expect(page.locator("#discussion [role=alert]")).to_have_text(
        "The discussion of a decided proposal is closed."
    )
    assert Vote.objects.count() == 0

    # The editor: a change that changes nothing is refused next to it, the page stays whole.
    page.goto(f"{live_server.url}/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
    page.locator("#id_title").fill("Kept as typed")
    with page.expect_response(re.compile(r"/proposals/new/")) as answer:
        page.get_by_role("button", name="Preview").click()
    assert answer.value.status == 400
    expect(page.locator("#editor .change-row")).to_contain_text(
        "This change makes no difference: the role already says so."
    )
    expect(page.locator("#id_title")).to_have_value("Kept as typed")
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose a change to MLOps Engineer")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_proposal_pages_have_no_serious_accessibility_violations(
    live_server, seeded_role, browser, scheme
):
    from proposals.services import comment_add, proposal_create

    member = UserFactory.create(username="reader")
    proposal = proposal_create(
        role=seeded_role,
        author=UserFactory.create(username="writer"),
        title="Seniors master Docker",
        rationale="Every senior debugs image builds.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    comment_add(proposal=proposal, author=member, text="Agreed.")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    _sign_in(context, live_server, member)
    try:
        page = context.new_page()
        for path in (
            "/proposals/",
            f"/proposals/{proposal.pk}/",
            "/proposals/new/?role=mlops-engineer&skill=docker&level=senior",
        ):
            page.goto(live_server.url + path)
            assert blocking_violations(page) == [], path
        # Keyboard: the vote buttons are reachable and work with Enter.
        page.goto(f"{live_server.url}/proposals/{proposal.pk}/")
        page.get_by_role("button", name="Vote down").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#votes .tally__down")).to_have_text("▼ 1")
        # The preview, open, in the editor.
        page.goto(live_server.url + "/proposals/new/?role=mlops-engineer&skill=docker&level=senior")
        page.locator("#id_change-0-code").select_option("W")
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#preview td.is-changed")).to_have_count(1)
        assert blocking_violations(page) == []
    finally:
        context.close()


def test_the_v2_editor_follows_the_chosen_skill_and_kind_of_change(
    live_server, transactional_db, page, screenshot
):
    from pathlib import Path

    from roles.services import document_import

    example = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"
    document_import(raw=example.read_bytes())
    _sign_in(page.context, live_server, UserFactory.create(username="v2-editor"))
    page.goto(f"{live_server.url}/proposals/new/?role=hw-software-engineer")
    code = page.locator("#id_change-0-code")
    # No skill yet: the role's scales, grouped.
    expect(code.locator("optgroup")).to_have_count(1)
    page.locator("#id_change-0-skill").select_option("hw-testing")
    # The skill's own steps at once, no round trip: the fixed choices and its five steps.
    expect(code.locator("optgroup")).to_have_count(0)
    expect(code.locator("option")).to_have_count(7)
    expect(code.locator("option").nth(5)).to_have_text("4 · Practitioner")
    page.locator("#id_change-0-level").select_option("e2")
    code.select_option("4")
    page.locator("#id_change-0-summary").fill("Tests the hard cases")
    page.get_by_role("button", name="Add a change").click()
    page.locator("#id_change-1-op").select_option("level_track")
    expect(page.locator("#id_change-1-track")).to_be_visible()
    expect(page.locator("#id_change-1-code")).to_be_hidden()
    page.locator("#id_change-1-level").select_option("staff")
    page.locator("#id_change-1-track").select_option("")  # staff is on the ic track now
    page.get_by_role("button", name="Add a change").click()
    page.locator("#id_change-2-op").select_option("scale_step")
    expect(page.locator("#id_change-2-step")).to_be_visible()
    page.locator("#id_change-2-step").select_option("proficiency:4")
    page.locator("#id_change-2-step_name").fill("Practised")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Testing · Engineer II")
    expect(preview).to_contain_text("Track of Staff Engineer")
    expect(preview).to_contain_text("step 4 renamed “Practitioner” → “Practised”")
    screenshot(page, "proposal-editor-v2")
    page.locator("#id_title").fill("Three v2 changes")
    page.locator("#id_rationale").fill("Because.")
    page.get_by_role("button", name="Submit for voting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Three v2 changes")
    expect(page.locator("main")).to_contain_text("Changes parts the framework's other roles share")
    screenshot(page, "proposal-page-v2")
    assert page.console_errors == []
