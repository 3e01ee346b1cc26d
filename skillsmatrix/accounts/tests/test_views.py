"""Membership through the site's pages: sign up, confirm, sign in and out, reset, limits, the
admin's way in, the profile and its API token."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from rest_framework.authtoken.models import Token

from skillsmatrix.members import member_can_participate

pytestmark = pytest.mark.django_db

SIGNUP = {
    "username": "newcomer",
    "email": "newcomer@example.com",
    "password1": "a-long-enough-secret-42",
    "password2": "a-long-enough-secret-42",
}


@pytest.fixture
def rate_limits(settings):
    """Set allauth's rates for one test (the settings compute them once, at start)."""

    def set_limits(**rates: str) -> None:
        settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, **rates}

    return set_limits


def _link(message, pattern: str) -> str:
    match = re.search(rf"http://testserver(/accounts/{pattern}/\S+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_sign_up_sends_a_confirmation_whose_link_verifies_the_address(client, django_user_model):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"  # "check your inbox"
    user = django_user_model.objects.get(username="newcomer")
    # Not signed in before the address is confirmed (a taken address answers the same way:
    # test_signup.py), and not yet able to take part.
    assert "_auth_user_id" not in client.session
    assert member_can_participate(user) is False

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["newcomer@example.com"]
    assert message.subject.startswith("[Skills Matrix]")
    assert message.body.startswith("Hello from Skills Matrix!")
    link = _link(message, "confirm-email")

    page = client.get(link)
    assert page.status_code == 200
    assert "newcomer@example.com" in page.content.decode()
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert member_can_participate(user) is True
    # Confirming signed them in.
    assert client.get("/accounts/profile/").context["user"] == user


def test_confirmation_link_works_signed_out_and_a_bad_one_says_so(client, django_user_model):
    client.post("/accounts/signup/", SIGNUP)
    link = _link(mail.outbox[0], "confirm-email")
    client.post("/accounts/logout/")
    assert client.post(link).status_code == 302
    assert EmailAddress.objects.get(email="newcomer@example.com").verified is True
    bad = client.get("/accounts/confirm-email/not-a-key/")
    assert bad.status_code == 200  # allauth's page saying so, with a way to ask again
    assert "expired or is invalid" in bad.content.decode()


def test_sign_up_errors_are_shown_next_to_their_fields(client, verified_member):
    response = client.post(
        "/accounts/signup/",
        {**SIGNUP, "email": "not-an-address", "password2": "something-else-43"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_email_error"' in html
    assert 'id="id_password2_error"' in html
    assert 'aria-invalid="true"' in html
    assert mail.outbox == []


@pytest.mark.parametrize("login", ["verified", "verified@example.com", "VERIFIED@example.com"])
def test_sign_in_by_username_or_email_goes_to_the_profile(client, verified_member, login):
    response = client.post("/accounts/login/", {"login": login, "password": "pw-verified-123"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/"


def test_sign_in_returns_to_the_page_it_came_from_but_never_off_site(client, verified_member):
    credentials = {"login": "verified", "password": "pw-verified-123"}
    back = client.post("/accounts/login/?next=/roles/", credentials)
    assert back["Location"] == "/roles/"
    client.post("/accounts/logout/")
    off_site = client.post("/accounts/login/?next=https://evil.example/", credentials)
    assert off_site["Location"] == "/accounts/profile/"


def test_sign_out_is_a_post(client, verified_member):
    client.force_login(verified_member)
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation form
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_pause_their_address_even_with_the_right_one(
    client, verified_member, settings
):
    settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES = 3
    wrong = [
        client.post("/accounts/login/", {"login": "verified", "password": "nope"}).status_code
        for _ in range(3)
    ]
    assert wrong == [200, 200, 200]  # the form, with its error
    # This address may not try that login for a while, whatever the password or letter case.
    # (Other addresses, the owner's, are not affected: test_signin.py.)
    for login in ("verified", "VERIFIED"):
        blocked = client.post("/accounts/login/", {"login": login, "password": "pw-verified-123"})
        assert blocked.status_code == 429
        assert "Too many sign-in attempts" in blocked.content.decode()
        assert int(blocked["Retry-After"]) == 15 * 60
        assert "Please wait 15 minutes" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_each_client_address_has_a_sign_in_budget(client, verified_member, rate_limits):
    rate_limits(login="3/15m/ip")
    for _ in range(3):
        client.post("/accounts/login/", {"login": "someone", "password": "x"})
    blocked = client.post("/accounts/login/", {"login": "verified", "password": "pw-verified-123"})
    assert blocked.status_code == 429
    assert blocked["Retry-After"] == str(15 * 60)
    # Another address is not affected.
    other = client.post(
        "/accounts/login/",
        {"login": "verified", "password": "pw-verified-123"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 302


def test_the_client_address_comes_from_trusted_proxies_only(
    client, verified_member, rate_limits, settings
):
    rate_limits(login="2/15m/ip")
    settings.TRUSTED_PROXY_COUNT = 1

    def attempt(forwarded: str) -> int:
        data = {"login": "x", "password": "x"}
        return client.post("/accounts/login/", data, HTTP_X_FORWARDED_FOR=forwarded).status_code

    # A forged entry on the left does not give the client a fresh budget.
    assert [attempt("203.0.113.5"), attempt("6.6.6.6, 203.0.113.5")] == [200, 200]
    assert attempt("7.7.7.7, 203.0.113.5") == 429
    # Behind the proxy, another client has its own budget.
    assert attempt("203.0.113.6") == 200
    # Fewer entries than proxies is no server error (allauth's own rule would raise).
    settings.TRUSTED_PROXY_COUNT = 3
    assert attempt("203.0.113.7") == 200


def test_admin_sign_in_goes_through_the_site_sign_in(client, admin):
    to_admin_login = client.get("/admin/")
    assert to_admin_login["Location"] == "/admin/login/?next=/admin/"
    to_site = client.get(to_admin_login["Location"])
    assert to_site.status_code == 302
    assert to_site["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    signed_in = client.post(to_site["Location"], {"login": "admin", "password": "pw-admin-123"})
    assert signed_in["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # Signed in, the admin's sign-in page just moves on.
    assert client.get("/admin/login/?next=/admin/roles/")["Location"] == "/admin/roles/"


def test_admin_sign_in_checks_no_password_itself(client, admin):
    for password in ("wrong", "pw-admin-123"):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": "admin", "password": password, "next": "/admin/"},
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_through_the_admin_are_limited_too(client, admin, settings):
    settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES = 3
    statuses = []
    for _ in range(4):
        # What a browser (or a script) is sent to from the admin's sign-in.
        login_url = client.post("/admin/login/", {"username": "admin", "password": "x"})["Location"]
        statuses.append(client.post(login_url, {"login": "admin", "password": "x"}).status_code)
    assert statuses == [200, 200, 200, 429]
    blocked = client.post(
        "/accounts/login/?next=/admin/", {"login": "admin", "password": "pw-admin-123"}
    )
    assert blocked.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_admin_sign_in_refuses_members_and_foreign_next_urls(client, member):
    assert client.get("/admin/login/?next=https://evil.example/")["Location"] == (
        "/accounts/login/?next=%2Fadmin%2F"
    )
    client.force_login(member)
    assert client.get("/admin/login/").status_code == 403


def test_password_reset_by_email(client, verified_member):
    response = client.post("/accounts/password/reset/", {"email": "verified@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = _link(mail.outbox[0], "password/reset/key")
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    action = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    new_password = "another-long-secret-77"
    done = client.post(action, {"password1": new_password, "password2": new_password})
    assert done.status_code == 302
    verified_member.refresh_from_db()
    assert verified_member.check_password(new_password)


def test_a_password_reset_unpauses_its_address(client, verified_member, settings):
    settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES = 2
    for _ in range(2):
        client.post("/accounts/login/", {"login": "verified", "password": "nope"})
    assert (
        client.post("/accounts/login/", {"login": "verified", "password": "x"}).status_code == 429
    )
    client.post("/accounts/password/reset/", {"email": "verified@example.com"})
    # (The first email told the owner of the wrong passwords.)
    form_page = client.get(_link(mail.outbox[-1], "password/reset/key"), follow=True)
    action = form_page.redirect_chain[-1][0]
    client.post(
        action, {"password1": "another-long-secret-77", "password2": "another-long-secret-77"}
    )
    signed_in = client.post(
        "/accounts/login/", {"login": "verified", "password": "another-long-secret-77"}
    )
    assert signed_in.status_code == 302


def test_password_reset_requests_are_limited_per_address(client, verified_member, rate_limits):
    rate_limits(reset_password="20/h/ip,2/h/key")
    statuses = [
        client.post("/accounts/password/reset/", {"email": "verified@example.com"}).status_code
        for _ in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(mail.outbox) == 2


def test_sign_ups_are_limited_per_client(client, rate_limits):
    rate_limits(signup="1/h/ip")
    assert client.post("/accounts/signup/", SIGNUP).status_code == 302
    client.post("/accounts/logout/")
    second = client.post(
        "/accounts/signup/", {**SIGNUP, "username": "again", "email": "again@example.com"}
    )
    assert second.status_code == 429
    assert second["Retry-After"] == "3600"
    assert "Too many sign-ups" in second.content.decode()


def test_rate_limited_pages_speak_spanish(client, verified_member, rate_limits):
    rate_limits(login="1/15m/ip")
    client.post("/accounts/login/", {"login": "x", "password": "x"})
    blocked = client.post(
        "/accounts/login/", {"login": "x", "password": "x"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert blocked.status_code == 429
    assert "Demasiados intentos" in blocked.content.decode()


def test_change_password(client, verified_member):
    client.force_login(verified_member)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": "pw-verified-123",
            "password1": "brand-new-secret-99",
            "password2": "brand-new-secret-99",
        },
    )
    assert response.status_code == 302
    verified_member.refresh_from_db()
    assert verified_member.check_password("brand-new-secret-99")


def test_change_email_needs_the_new_address_confirmed(client, verified_member):
    client.force_login(verified_member)
    page = client.get("/accounts/email/")
    assert page.status_code == 200
    assert "verified@example.com" in page.content.decode()
    response = client.post("/accounts/email/", {"action_add": "", "email": "moved@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["moved@example.com"]
    client.post(_link(mail.outbox[0], "confirm-email"))
    assert list(
        EmailAddress.objects.filter(user=verified_member).values_list("email", "verified")
    ) == [("moved@example.com", True)]


# --- Profile and API token ---------------------------------------------------------------------


def test_profile_needs_a_signed_in_member(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_shows_the_account_and_its_assessments(client, verified_member, seed_role):
    from grading.selectors import grading_sheet_get
    from grading.services import assessment_create

    sheet = grading_sheet_get(role=seed_role)
    assessment = assessment_create(
        role=seed_role, sheet=sheet, ratings={"docker": "W"}, user=verified_member
    )
    client.force_login(verified_member)
    html = client.get("/accounts/profile/").content.decode()
    assert "verified@example.com" in html
    assert f"/assessments/{assessment.token}/" in html
    assert "MLOps Engineer" in html
    assert "Confirm your email address" not in html


def test_profile_asks_unverified_members_to_confirm(client, member):
    client.force_login(member)
    html = client.get("/accounts/profile/").content.decode()
    assert "Confirm your email address" in html
    assert "You have not saved an assessment yet" in html
    # Every section has something to say when it is empty.
    assert "You have not proposed a change yet." in html
    assert 'href="/proposals/new/"' in html
    assert "You have not voted yet." in html
    assert 'href="/proposals/?status=voting"' in html
    assert "You are not an expert yet." in html


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_profile_lists_the_members_proposals_votes_and_expertise(
    client, verified_member, seed_role, settings
):
    from proposals.services import expertise_grant, proposal_create, vote_cast
    from proposals.tests.factories import UserFactory
    from roles.models import SkillDomain

    settings.NEW_MEMBER_OPEN_PROPOSALS = 5  # "other" opens two
    others = UserFactory.create(username="other")
    mine = proposal_create(
        role=seed_role,
        author=verified_member,
        title="Seniors <b>master</b> Docker",
        rationale="Because.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    )
    vote_cast(proposal=mine, voter=others, value=1)
    liked = proposal_create(
        role=seed_role,
        author=others,
        title="Juniors know Git",
        rationale="Because.",
        changes=[{"op": "set_requirement", "skill": "docker", "level": "junior", "code": "W"}],
    )
    disliked = proposal_create(
        role=seed_role,
        author=others,
        title="Drop Docker",
        rationale="Because.",
        changes=[{"op": "remove_skill", "skill": "docker"}],
    )
    vote_cast(proposal=liked, voter=verified_member, value=1)
    vote_cast(proposal=disliked, voter=verified_member, value=-1)
    expertise_grant(user=verified_member, domain=SkillDomain.objects.get(slug="api-integration"))
    expertise_grant(user=verified_member)

    client.force_login(verified_member)
    html = client.get("/accounts/profile/").content.decode()

    proposals = _section(html, "proposals")
    assert f'href="/proposals/{mine.pk}/"' in proposals
    assert "Seniors &lt;b&gt;master&lt;/b&gt; Docker" in proposals  # escaped
    assert "MLOps Engineer" in proposals
    assert '<span class="status status--voting">Voting</span>' in proposals
    assert "▲ 1" in proposals
    assert "Juniors know Git" not in proposals
    assert 'href="/proposals/?author=verified"' in proposals

    votes = _section(html, "votes")
    assert votes.index("Drop Docker") < votes.index("Juniors know Git")  # latest first
    assert f'href="/proposals/{liked.pk}/"' in votes
    assert f'href="/proposals/{disliked.pk}/"' in votes
    assert votes.count("You voted up") == 1
    assert votes.count("You voted down") == 1
    assert "in all" not in votes  # all of them are shown
    assert "Seniors" not in votes  # nobody votes on their own

    expertise = _section(html, "expertise")
    assert expertise.index("Every domain") < expertise.index("API &amp; Integration")
    assert "You are not an expert yet." not in expertise


def test_profile_shows_the_first_few_and_leaves_spam_out(client, verified_member, seed_role):
    from proposals.tests.factories import ProposalFactory, VoteFactory
    from skillsmatrix.accounts.views import PROFILE_LIST_SIZE

    proposals = [
        ProposalFactory.create(role=seed_role, author=verified_member, title=f"Mine {index}")
        for index in range(PROFILE_LIST_SIZE + 2)
    ]
    spam = ProposalFactory.create(
        role=seed_role, author=verified_member, title="Buy cheap watches", is_spam=True
    )
    VoteFactory.create(proposal=ProposalFactory.create(is_spam=True), voter=verified_member)
    client.force_login(verified_member)
    html = client.get("/accounts/profile/").content.decode()
    section = _section(html, "proposals")
    shown = [p for p in proposals if f'href="/proposals/{p.pk}/"' in section]
    assert shown == proposals[-PROFILE_LIST_SIZE:]  # the newest
    assert f"All {PROFILE_LIST_SIZE + 2} of your proposals" in section
    assert spam.title not in html
    assert "You have not voted yet." in html  # the vote on spam is not listed


def test_profile_queries_are_constant(
    client, verified_member, seed_role, django_assert_num_queries
):
    from grading.selectors import grading_sheet_get
    from grading.services import assessment_create
    from proposals.services import expertise_grant
    from proposals.tests.factories import ProposalFactory, VoteFactory
    from roles.models import SkillDomain

    sheet = grading_sheet_get(role=seed_role)
    for _ in range(8):
        assessment_create(
            role=seed_role, sheet=sheet, ratings={"docker": "A"}, user=verified_member
        )
    # Many proposals, each with votes, and many votes by the member.
    mine = ProposalFactory.create_batch(12, role=seed_role, author=verified_member)
    for proposal in mine:
        VoteFactory.create_batch(3, proposal=proposal)
    for proposal in ProposalFactory.create_batch(12, role=seed_role):
        VoteFactory.create(proposal=proposal, voter=verified_member, value=-1)
    for domain in SkillDomain.objects.all()[:7]:
        expertise_grant(user=verified_member, domain=domain)
    expertise_grant(user=verified_member)
    Token.objects.create(user=verified_member)
    client.force_login(verified_member)
    client.get("/accounts/profile/")  # the header's unread count is kept from here on
    # session, user, assessments (with roles), verified check, email addresses, token, email
    # preference, and one each for proposals (with roles, tallies and their count), votes (with
    # proposals, roles and their count) and expertise (with domains and its count)
    with django_assert_num_queries(10):
        response = client.get("/accounts/profile/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("/assessments/") >= 5
    assert "All 12 of your proposals" in html
    assert "12 votes in all; your latest are above." in html
    assert "8 domains in all." in html


def test_api_token_is_created_shown_and_replaced(client, verified_member):
    client.force_login(verified_member)
    assert "Create a token" in client.get("/accounts/profile/").content.decode()
    created = client.post("/accounts/profile/token/")
    assert created.status_code == 302
    assert created["Location"] == "/accounts/profile/#api-token"
    first = Token.objects.get(user=verified_member).key
    assert first in client.get("/accounts/profile/").content.decode()

    client.post("/accounts/profile/token/")
    second = Token.objects.get(user=verified_member).key
    assert second != first
    page = client.get("/accounts/profile/").content.decode()
    assert second in page
    assert first not in page


def test_api_token_changes_only_by_post_with_csrf(verified_member):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(verified_member)
    assert strict.get("/accounts/profile/token/").status_code == 405
    assert strict.post("/accounts/profile/token/").status_code == 403
    assert not Token.objects.filter(user=verified_member).exists()
    anonymous = Client()
    assert anonymous.post("/accounts/profile/token/").status_code == 302
    assert Token.objects.count() == 0


def test_api_token_authenticates_api_calls(client, verified_member, seed_role, settings):
    from django.conf import settings as django_settings

    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1/min", "user": "3/min"},
    }
    token = Token.objects.create(user=verified_member)
    bad = client.get("/api/v1/roles/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert bad.status_code == 401
    assert bad.json()["message"] == "Invalid token."
    # The token's calls count against the member's budget (3), not the anonymous one (1).
    statuses = [
        client.get("/api/v1/roles/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_a_token_from_the_command_line_works_too(client, verified_member, capsys):
    from django.core.management import call_command

    call_command("drf_create_token", "verified")
    key = Token.objects.get(user=verified_member).key
    assert key in capsys.readouterr().out
    assert client.get("/api/v1/roles/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


# --- Header --------------------------------------------------------------------------------------


def test_header_offers_sign_in_and_sign_up_to_visitors(client, seed_role):
    html = client.get("/roles/mlops-engineer/").content.decode()
    assert 'href="/accounts/login/?next=/roles/mlops-engineer/"' in html
    assert 'href="/accounts/signup/?next=/roles/mlops-engineer/"' in html
    assert "Sign out" not in html


def test_header_shows_the_member_and_a_sign_out_form(client, verified_member, seed_role):
    client.force_login(verified_member)
    html = client.get("/roles/mlops-engineer/").content.decode()
    assert '<a href="/accounts/profile/" class="account-nav__member">verified</a>' in html
    assert re.search(
        r'<form method="post" action="/accounts/logout/"[^>]*>\s*<input type="hidden" '
        r'name="csrfmiddlewaretoken"',
        html,
    )
    assert "/accounts/login/" not in html
    assert "/accounts/signup/" not in html


def test_account_pages_are_the_sites_own_in_both_languages(client):
    for path in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(path).content.decode()
        assert 'class="site-header"' in html
        assert 'class="form"' in html
        assert 'class="auth-card"' in html
    spanish = client.get("/accounts/signup/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Regístrate" in spanish or "Registrarse" in spanish
    assert "Iniciar sesión" in spanish


def test_profile_speaks_spanish(client, member):
    client.force_login(member)
    html = client.get("/accounts/profile/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    for text in ("Sus propuestas", "Aún no ha votado.", "Aún no es experto."):
        assert text in html
