"""Browser check of the proposal page's transparency, threads and revisions: a member replies
and the author revises without JavaScript; the page (votes with a reason, the standing, a
thread with a mention, a revision) at 1280 and 360 px, with no serious axe violation."""

from __future__ import annotations

from playwright.sync_api import expect

from proposals.models import Comment
from proposals.services import comment_add, proposal_create, vote_cast
from proposals.tests.factories import UserFactory
from tests.e2e.test_accessibility import blocking_violations
from tests.e2e.test_proposals import _sign_in

DOCKER = {"op": "set_requirement", "skill": "docker", "level": "senior", "mandatory": True}


def test_reply_and_revise_without_js_then_the_page_at_two_widths(
    live_server, seeded_role, browser, screenshot
):
    author = UserFactory.create(username="writer")
    ana = UserFactory.create(username="ana")
    proposal = proposal_create(
        role=seeded_role,
        author=author,
        title="Seniors master Docker",
        rationale="Every senior **debugs image builds**.\n\nSee [the survey](https://example.com/s).",
        changes=[{**DOCKER, "code": "E"}],
    )
    for index in range(3):
        vote_cast(proposal=proposal, voter=UserFactory.create(username=f"fan{index}"), value=1)
    vote_cast(
        proposal=proposal, voter=ana, value=-1, reason="Working knowledge is enough at Senior."
    )
    question = comment_add(proposal=proposal, author=ana, text="Is *E* not too much?")
    url = f"{live_server.url}/proposals/{proposal.pk}/"

    # The author replies with a mention, then revises the changes, all without JavaScript.
    plain = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    _sign_in(plain, live_server, author)
    page = plain.new_page()
    page.goto(url)
    expect(page.locator("#standing")).to_contain_text("4 votes of 5 needed")
    expect(page.locator("#standing")).to_contain_text("75 % up, 66 % needed")
    page.locator(f"#comment-{question.pk} .comment__reply summary").click()
    page.get_by_label("Your reply to ana").fill("@ana fair: I will lower it to **W**.")
    page.get_by_role("button", name="Post reply").click()
    reply = Comment.objects.get(parent=question)
    expect(page.locator(f"#comment-{reply.pk} a.mention")).to_have_attribute(
        "href", "/members/ana/"
    )
    page.get_by_role("link", name="Revise this proposal").click()
    # The editor, with the proposal's change in its row.
    expect(page.locator("#id_change-0-code")).to_have_value("E")
    page.locator("#id_change-0-code").select_option("W")
    page.get_by_label("Title").fill("Seniors know Docker well")
    page.get_by_role("button", name="Save the revision").click()
    expect(page.locator("#revisions")).to_contain_text("Revision 2 (after 1)")
    # (the message shows twice until the small-fixes part lands: take the first)
    expect(page.get_by_text("4 votes were set aside").first).to_be_visible()
    plain.close()

    # Ana sees her vote was set aside and votes again, with her reason.
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    _sign_in(wide, live_server, ana)
    page = wide.new_page()
    page.goto(url)
    expect(page.locator("#votes")).to_contain_text("your vote was set aside")
    page.get_by_label("Reason for a down vote (optional)").fill("Still unsure about W.")
    page.get_by_role("button", name="Vote down").click()
    expect(page.locator("#votes .voters__reason")).to_have_text("Still unsure about W.")
    expect(page.locator("#standing")).to_contain_text("1 vote of 5 needed")
    assert blocking_violations(page) == []
    screenshot(page, "p5-proposal-1280")
    wide.close()

    narrow = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    _sign_in(narrow, live_server, ana)
    page = narrow.new_page()
    page.goto(url)
    # Nothing of the votes, the discussion or the revisions is wider than the phone (the
    # site header and the changes table are other parts' business).
    too_wide = page.evaluate(
        """[...document.querySelectorAll(
             '#votes *, #discussion *, #revisions *, .proposal__head *')]
           .filter(e => e.getBoundingClientRect().right > 360)
           .map(e => e.tagName + '.' + e.className)"""
    )
    assert too_wide == []
    assert blocking_violations(page) == []
    screenshot(page, "p5-proposal-360")
    narrow.close()
