"""axe-core (bundled by the axe-playwright-python package, injected locally) on every page of the
site (DESIGN §6): the role pages, v1 and v2, the calculator, the history, the proposals at each
stage as each kind of member sees them, the editor, the inbox, member pages, the account pages
and the error pages; in the light and the dark scheme, some in Spanish and at 360 px.

The script is evaluated through the DevTools protocol, which the page's strict CSP does not
govern, so the pages are checked exactly as served. No rule is turned off: a serious or critical
violation anywhere fails the test that found it, and the message says which page, in which
scheme, language and width.

One community is built per test (the live server's database is flushed after each), and each
test sweeps many pages with it: the tests are grouped by who looks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

BLOCKING = {"serious", "critical"}
SCHEMES = ("light", "dark")
HARBOUR_WORKS = Path(settings.BASE_DIR) / "roles" / "data" / "harbour-works.framework.json"


def blocking_violations(page, *, within: str = "") -> list[str]:
    """The serious and critical violations on the page (or in the elements ``within`` selects:
    a part just opened on a page checked whole before)."""
    results = Axe().run(page, context=within or None)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@dataclass(frozen=True)
class Visit:
    """A page to check: its path, the status it answers with, what to do on it first (open a
    preview, submit a form with a mistake) so the state worth checking is on screen, and where
    to look (``within``: a selector; the whole page when empty). ``template``: the page is that
    template rendered as Django renders its 400 and 500 pages (no request, no context), served
    at ``path``, since nothing in the site can be made to fail on purpose."""

    path: str
    status: int = 200
    then: Callable[[object], None] | None = None
    label: str = ""
    within: str = ""
    template: str = ""


def sweep(
    browser,
    live_server,
    visits: Iterable[Visit | str],
    *,
    user=None,
    schemes: Iterable[str] = SCHEMES,
    locale: str = "en-US",
    width: int = 1280,
) -> list[str]:
    """Every blocking violation on ``visits``, each scheme in a browser context of its own
    (signed in as ``user`` when given), named by page, scheme, language and width."""
    from django.template.loader import render_to_string

    from tests.e2e.test_proposals import _sign_in

    visits = [Visit(v) if isinstance(v, str) else v for v in visits]
    found = []
    for scheme in schemes:
        context = browser.new_context(
            color_scheme=scheme,
            locale=locale,
            viewport={"width": width, "height": 900},
            is_mobile=width < 600,
        )
        try:
            if user is not None:
                _sign_in(context, live_server, user)
            page = context.new_page()
            page.set_default_timeout(10_000)
            for visit in visits:
                where = f"{visit.label or visit.path} [{scheme}, {locale}, {width}px]"
                if visit.template:
                    page.route(
                        live_server.url + visit.path,
                        _serving(render_to_string(visit.template), status=visit.status),
                    )
                response = page.goto(live_server.url + visit.path)
                assert response is not None
                assert response.status == visit.status, where
                if visit.then is not None:
                    visit.then(page)
                found += [
                    f"{where}: {violation}"
                    for violation in blocking_violations(page, within=visit.within)
                ]
        finally:
            context.close()
    return found


def _serving(body: str, *, status: int) -> Callable[[object], None]:
    def fulfill(route) -> None:
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    return fulfill


def _report(found: list[str]) -> str:
    return "\n".join(found)


def _shows(role: str, name: str) -> Callable[[object], None]:
    """A check that the page is in the state the sweep means to look at."""

    def check(page) -> None:
        expect(page.get_by_role(role, name=name).first).to_be_visible()

    return check


def _open_every_details(page) -> None:
    """Open what the page folds away (replies, revisions, rating steps, the phone's menu)."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


# --- The community every test looks at ---------------------------------------------------------


def _cell(skill: str, level: str, code: str) -> dict[str, object]:
    return {"op": "set_requirement", "skill": skill, "level": level, "code": code}


def _voted_to_review(proposal, voters) -> None:
    """Five up votes, then the window closes: the proposal goes to review."""
    from proposals.services import proposal_close_if_due, vote_cast

    for voter in voters:
        vote_cast(proposal=proposal, voter=voter, value=1)
    type(proposal).objects.filter(pk=proposal.pk).update(closes_at=timezone.now())
    proposal_close_if_due(proposal_id=proposal.pk)
    proposal.refresh_from_db()


@pytest.fixture
def community(seeded_role, settings):
    """The seed role at a few versions, the v2 example framework, a shared assessment, and
    proposals at every stage: voting (revised, with votes, a down vote's reason, comments, a
    reply with a mention), in review, accepted, rejected and conflicted; the author's inbox
    has the notifications all that sent."""
    from grading.selectors import grading_sheet_get
    from grading.services import assessment_create
    from proposals.models import Proposal
    from proposals.notify import watch_set
    from proposals.services import (
        comment_add,
        expertise_grant,
        proposal_create,
        proposal_revise,
        review_submit,
        vote_cast,
    )
    from proposals.tests.factories import UserFactory
    from roles.changes.types import SetDetails, SetFocus, parse_changes
    from roles.models import SkillDomain
    from roles.services import document_import, role_change_apply

    # Ana writes several proposals on her first day: the new members' rule is not the subject.
    settings.NEW_MEMBER_OPEN_PROPOSALS = 10
    role = seeded_role
    document_import(raw=HARBOUR_WORKS.read_bytes())
    # Versions 2 and 3, by curators: a cell's details and a level's focus.
    role_change_apply(
        role=role,
        changes=[
            SetDetails(skill="docker", level="junior", text="Runs the containers others built.")
        ],
        author=None,
        source="admin",
        message="Details of Docker for juniors",
    )
    role_change_apply(
        role=role,
        changes=[SetFocus(level="lead", text="Leads the platform and the people who run it.")],
        author=None,
        source="admin",
        message="Focus of Lead",
    )
    role.refresh_from_db()

    ana = UserFactory.create(username="ana")
    ben = UserFactory.create(username="ben")  # verified, has not voted: may vote
    voters = [UserFactory.create(username=f"voter{n}") for n in range(5)]
    expert = UserFactory.create(username="cloud-expert")
    expertise_grant(user=expert, domain=SkillDomain.objects.get(slug="cloud-infrastructure"))
    newcomer = UserFactory.create(username="newcomer", verified=False)
    watch_set(user=ana, watching=True, role=role)

    voting = proposal_create(
        role=role,
        author=ana,
        title="Seniors master Docker",
        rationale="**Every** senior debugs image builds.\n\nSee [the survey](https://example.com/s).",
        changes=[_cell("docker", "senior", "E")],
        evidence_links=["https://example.com/survey"],
    )
    vote_cast(proposal=voting, voter=voters[0], value=1)
    proposal_revise(
        proposal=voting,
        author=ana,
        title="Seniors master Docker",
        rationale=voting.rationale,
        changes=[
            _cell("docker", "senior", "E"),
            {
                "op": "set_details",
                "skill": "docker",
                "level": "junior",
                "text": "Builds and runs the images of their own services.",
            },
        ],
    )
    vote_cast(proposal=voting, voter=voters[1], value=1)
    vote_cast(proposal=voting, voter=voters[2], value=-1, reason="E is too strong for a senior.")
    first = comment_add(proposal=voting, author=voters[1], text="Podman belongs here too.")
    comment_add(
        proposal=voting, author=voters[2], text="@ana which teams did you ask?", parent=first
    )
    comment_add(proposal=voting, author=ana, text="Five platform teams, see the *survey*.")

    in_review = proposal_create(
        role=role,
        author=ana,
        title="Middles master Kubernetes",
        rationale="Middles deploy their own services.",
        changes=[_cell("kubernetes-core", "middle", "E")],
    )
    _voted_to_review(in_review, voters)

    accepted = proposal_create(
        role=role,
        author=ana,
        title="Helm for seniors",
        rationale="Charts are part of every release.",
        changes=[_cell("helm", "senior", "W")],
    )
    _voted_to_review(accepted, voters)
    review_submit(proposal=accepted, reviewer=expert, decision="approve", comment="Agreed.")

    rejected = proposal_create(
        role=role,
        author=voters[0],
        title="Juniors write Terraform modules",
        rationale="Ours do from day one.",
        changes=[_cell("terraform", "junior", "W")],
    )
    for voter, value in [(ana, -1), (ben, -1), (voters[1], 1), (voters[2], -1), (voters[3], -1)]:
        vote_cast(proposal=rejected, voter=voter, value=value)
    _voted_to_review(rejected, [])

    conflicted = proposal_create(
        role=role,
        author=voters[1],
        title="Docker experts at Lead",
        rationale="Leads own the images.",
        changes=[_cell("docker", "middle", "E")],
    )
    _voted_to_review(conflicted, [ana, *voters[2:], ben])
    role_change_apply(
        role=role,
        changes=parse_changes([_cell("docker", "middle", "A")]),
        author=None,
        source="admin",
        message="Curator edit",
    )
    review_submit(proposal=conflicted, reviewer=expert, decision="approve", comment="Fine.")
    conflicted.refresh_from_db()
    assert conflicted.status == Proposal.Status.CONFLICT
    accepted.refresh_from_db()
    assert accepted.status == Proposal.Status.ACCEPTED
    rejected.refresh_from_db()
    assert rejected.status == Proposal.Status.REJECTED

    role.refresh_from_db()
    assessment = assessment_create(
        role=role,
        sheet=grading_sheet_get(role=role),
        ratings={"docker": "W", "redis": "E"},
        user=ana,
    )
    return SimpleNamespace(
        role=role,
        ana=ana,
        ben=ben,
        expert=expert,
        newcomer=newcomer,
        voting=voting,
        in_review=in_review,
        accepted=accepted,
        rejected=rejected,
        conflicted=conflicted,
        assessment=assessment,
    )


# --- What a visitor sees -----------------------------------------------------------------------


def _open_cell_panel(page) -> None:
    page.locator("#cell-docker-senior").click()
    expect(page.locator("#cell-detail-title")).to_be_focused()


def test_the_role_pages(live_server, community, browser):
    role = "/roles/mlops-engineer"
    current = community.role.current_version
    visits: list[Visit | str] = [
        "/",
        "/?q=kubernetes",
        "/?q=nothing-matches-this",
        # The role page itself is the curator's test's (it is heavy: 280 cells); here, its
        # panel opened by htmx, and the cell's own address (the role page with it open).
        Visit(f"{role}/", then=_open_cell_panel, within="#cell-panel", label="the cell panel"),
        f"{role}/cells/docker/senior/",
        f"{role}/grade/",
        # The result panel scrolls on its own beside the ratings: reachable by keyboard.
        f"{role}/grade/?rating-docker=W&rating-redis=E",
        f"/assessments/{community.assessment.token}/",
        f"{role}/history/",
        f"{role}/versions/2/",
        f"{role}/compare/?from=1&to={current}",
        f"{role}/compare/?from=1&to=2",
        Visit(f"{role}/compare/?from=1&to=99", status=400),
        Visit(f"{role}/compare/?from=x&to=", status=400),
        "/frameworks/",
        "/frameworks/harbour-works/",
        Visit("/roles/hw-software-engineer/", then=_open_every_details, label="v2 matrix, open"),
        "/roles/hw-software-engineer/cells/hw-testing/senior/",
        Visit(
            "/roles/hw-software-engineer/grade/?rating-hw-testing=4",
            then=_open_every_details,
            label="v2 calculator, the steps open",
        ),
        "/roles/hw-software-engineer/history/",
        "/roles/hw-site-reliability/",
        "/roles/hw-site-reliability/grade/",
        "/roles/hw-growth-ladder/",
        "/roles/hw-growth-ladder/grade/?rating-hw-shipping=m3",
        "/roles/hw-head-of-engineering/",
        "/roles/hw-head-of-engineering/grade/",
        Visit("/roles/no-such-role/", status=404),
        Visit("/no/such/page/", status=404),
    ]

    found = sweep(browser, live_server, visits)
    assert found == [], _report(found)


def _post_without_a_token(page) -> None:
    """A form posted without its CSRF token (a session gone stale): the 403 page."""
    with page.expect_navigation() as navigation:
        page.evaluate(
            """() => { const form = document.createElement('form');
                 form.method = 'post'; form.action = '/theme/';
                 document.body.append(form); form.submit(); }"""
        )
    assert navigation.value.status == 403


def test_the_proposal_and_account_pages_as_a_visitor(live_server, community, browser):
    c = community
    visits: list[Visit | str] = [
        "/proposals/",
        "/proposals/?status=voting&role=mlops-engineer&sort=closing",
        "/proposals/?q=docker&domain=cloud-infrastructure",
        "/proposals/?q=nothing-matches-this",
        *(f"/proposals/{p.pk}/" for p in (c.voting, c.in_review, c.accepted, c.rejected)),
        Visit(
            f"/proposals/{c.conflicted.pk}/",
            then=_shows("link", "Propose it again against the current version"),
        ),
        "/proposals/touching/?role=mlops-engineer&skill=docker&level=senior",
        "/members/ana/",
        "/members/cloud-expert/",
        Visit("/members/nobody-by-that-name/", status=404),
        "/accounts/login/",
        "/accounts/signup/",
        Visit("/accounts/signup/", then=_sign_up_with_a_mistake, label="sign-up with errors"),
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/1-wrong-key/",
        "/accounts/confirm-email/wrong-key/",
        "/accounts/inactive/",
        Visit(f"/notifications/unsubscribe/{_unsubscribe_token(c.ana)}/"),
        Visit("/notifications/unsubscribe/not-a-token/", status=400),
        Visit("/", then=_post_without_a_token, label="403, a stale form"),
        Visit("/__bad_request__/", status=400, template="400.html", label="400"),
        Visit("/__server_error__/", status=500, template="500.html", label="500"),
    ]

    found = sweep(browser, live_server, visits)
    assert found == [], _report(found)


def _unsubscribe_token(user) -> str:
    from proposals.notify import unsubscribe_token

    return unsubscribe_token(user_id=user.pk, kind="comment")


def _sign_up_with_a_mistake(page) -> None:
    page.locator("#id_username").fill("someone")
    page.locator("#id_email").fill("someone@example.com")
    page.locator("#id_password1").fill("a-long-enough-secret-42")
    page.locator("#id_password2").fill("not-the-same-secret")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#id_password2_error")).to_be_visible()


# --- What members see --------------------------------------------------------------------------


def _vote_down_with_a_reason(page) -> None:
    # With htmx: the votes are swapped in place.
    page.get_by_label("Reason for a down vote (optional)").fill("Podman first.")
    page.get_by_role("button", name="Vote down").click()
    expect(page.locator("#votes")).to_contain_text("You voted down.")


def _preview(page) -> None:
    page.locator("#id_change-0-code").select_option("W")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview td.is-changed")).to_have_count(1)


def _submit_with_mistakes(page) -> None:
    page.locator("#id_title").fill("")
    page.get_by_role("button", name="Submit for voting").click()
    expect(page.locator("#editor .form-error, #editor .errorlist").first).to_be_visible()


def test_the_pages_of_a_member_who_may_vote(live_server, community, browser):
    c = community
    proposal = f"/proposals/{c.voting.pk}/"
    editor = "/proposals/new/?role=mlops-engineer&skill=docker&level=senior"
    visits: list[Visit | str] = [
        Visit(proposal, then=_shows("button", "Vote up")),
        Visit(proposal, then=_open_every_details, within="#discussion", label="the reply forms"),
        Visit(proposal, then=_vote_down_with_a_reason, label="proposal, after voting"),
        f"/proposals/{c.accepted.pk}/",
        "/proposals/new/",
        editor,
        Visit(editor, then=_preview, label="editor, with a preview"),
        Visit(editor, then=_submit_with_mistakes, label="editor, with errors"),
        "/proposals/new/?role=hw-software-engineer",
        Visit(
            f"/proposals/new/?role=mlops-engineer&again={c.conflicted.pk}",
            label="editor, proposing a conflicted proposal again",
        ),
        Visit(f"{proposal}revise/", status=403, label="revise, not the author"),
        "/notifications/",
        "/accounts/profile/",
    ]

    found = sweep(browser, live_server, visits, user=c.ben)
    assert found == [], _report(found)


def _revise_with_mistakes(page) -> None:
    page.locator("#id_title").fill("")
    page.get_by_role("button", name="Save the revision").click()
    expect(page.locator(".field-error").first).to_be_visible()


def test_the_pages_of_the_author(live_server, community, browser):
    c = community
    proposal = f"/proposals/{c.voting.pk}/"
    visits: list[Visit | str] = [
        Visit(proposal, then=_shows("link", "Revise this proposal")),
        Visit(proposal, then=_open_every_details, within="#revisions", label="the revisions"),
        f"{proposal}revise/",
        Visit(f"{proposal}revise/", then=_revise_with_mistakes, label="revise, with errors"),
        f"{proposal}withdraw/",
        f"/proposals/{c.accepted.pk}/",
        "/notifications/",
        "/notifications/emails/",
        "/assessments/",
        "/members/ana/",
        "/accounts/profile/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/reauthenticate/",
        "/accounts/confirm-email/",
        "/accounts/logout/",
    ]

    found = sweep(browser, live_server, visits, user=c.ana)
    assert found == [], _report(found)


def test_the_pages_of_an_expert_and_of_an_unconfirmed_member(live_server, community, browser):
    c = community
    found = sweep(
        browser,
        live_server,
        [
            Visit(f"/proposals/{c.in_review.pk}/", then=_shows("button", "Submit review")),
            f"/proposals/{c.conflicted.pk}/",
            "/members/cloud-expert/",
        ],
        user=c.expert,
    )
    found += sweep(
        browser,
        live_server,
        [
            f"/proposals/{c.voting.pk}/",
            "/proposals/new/?role=mlops-engineer&skill=docker&level=senior",
            "/accounts/profile/",
        ],
        user=c.newcomer,
    )
    assert found == [], _report(found)


def test_the_role_page_of_a_curator(live_server, community, browser, admin):
    # Curators see all a visitor does and the matrix's health: the requirements that drop
    # from a level to the next.
    visits: list[Visit | str] = [
        "/roles/mlops-engineer/",
        Visit(
            "/roles/mlops-engineer/",
            then=_open_every_details,
            within=".health",
            label="role page, the requirement drops open",
        ),
    ]

    found = sweep(browser, live_server, visits, user=admin)
    assert found == [], _report(found)


def test_in_spanish(live_server, community, browser):
    c = community
    visits: list[Visit | str] = [
        "/",
        f"/proposals/{c.voting.pk}/",
        "/notifications/",
        "/roles/mlops-engineer/cells/docker/senior/",
    ]

    found = sweep(browser, live_server, visits, user=c.ana, locale="es-ES")
    assert found == [], _report(found)


def test_on_a_phone(live_server, community, browser):
    c = community
    proposal = f"/proposals/{c.voting.pk}/"
    found = sweep(
        browser,
        live_server,
        [
            "/",
            Visit("/", then=_open_every_details, label="home, the menu open"),
            proposal,
            "/notifications/",
            "/proposals/",
            "/proposals/new/?role=mlops-engineer&skill=docker&level=senior",
            "/roles/mlops-engineer/",
            "/roles/mlops-engineer/versions/2/",
            "/roles/hw-software-engineer/versions/1/",
            f"/roles/mlops-engineer/compare/?from=1&to={c.role.current_version}",
            "/roles/mlops-engineer/grade/?rating-docker=W",
            "/frameworks/harbour-works/",
            "/roles/hw-software-engineer/",
            "/roles/hw-growth-ladder/",
        ],
        user=c.ana,
        width=360,
    )
    found += sweep(browser, live_server, ["/", proposal], locale="es-ES", width=360)
    assert found == [], _report(found)


def test_axe_reports_a_violation_when_there_is_one(live_server, seeded_role, page):
    # Guards the guard: an image without alternative text must be caught.
    page.goto(live_server.url + "/")
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        " '<img src=\"/static/icons/logo.svg\">')"
    )

    assert any(v.startswith("image-alt") for v in blocking_violations(page))


def test_the_sweep_names_the_page_scheme_language_and_width(live_server, seeded_role, browser):
    # Guards the sweep: a violation is reported with where it was found, and a part checked
    # on its own is checked (an image outside it is not).
    def break_it(page) -> None:
        page.evaluate(
            "document.querySelector('main').insertAdjacentHTML('beforeend', '<img>');"
            "document.querySelector('footer').insertAdjacentHTML('beforeend', '<img>');"
        )

    found = sweep(
        browser,
        live_server,
        [Visit("/", then=break_it, label="home", within="main")],
        schemes=["dark"],
    )

    assert len(found) == 1
    assert found[0].startswith("home [dark, en-US, 1280px]: image-alt (critical)")
    assert "main" in found[0]
