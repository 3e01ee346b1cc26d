"""The calculator page, share links and the history, with and without htmx."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from grading.models import Assessment
from grading.selectors import grading_sheet_get
from roles.changes.types import SetRequirement
from roles.services import role_change_apply


def calc_url(role) -> str:
    return reverse("grading:calculator", kwargs={"slug": role.slug})


def share_url(role) -> str:
    return reverse("grading:share", kwargs={"slug": role.slug})


def form_data(sheet, code: str, **extra: str) -> dict[str, str]:
    return {f"rating-{skill.slug}": code for skill in sheet.skills} | extra


def test_the_page_lists_every_skill_as_a_radio_group_by_domain(client, seed_role):
    response = client.get(calc_url(seed_role))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<fieldset") == 56
    assert html.count("<legend") == 56
    assert html.count('type="radio"') == 56 * 4
    assert html.count('class="rating-domain"') == 13
    assert 'hx-post="/roles/mlops-engineer/grade/"' in html
    assert 'hx-trigger="change"' in html
    assert 'action="/roles/mlops-engineer/grade/"' in html
    assert "Below Junior" in html
    # Strict CSP: no inline styles or scripts, no hx-on.
    assert " style=" not in html
    assert "hx-on" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


def test_posting_without_js_returns_the_whole_page_with_the_result(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)

    response = client.post(calc_url(seed_role), form_data(sheet, "W"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset" in html
    assert 'data-grade="senior"' in html
    assert "Next level: Lead" in html
    # The ratings stay selected.
    assert html.count("checked") == 56


def test_htmx_gets_only_the_result_fragment_with_an_announcement(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)

    response = client.post(calc_url(seed_role), form_data(sheet, "A"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<fieldset" not in html
    assert "<html" not in html
    assert 'data-grade="junior"' in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "Your grade: Junior." in html
    # Gaps of Middle, with steps.
    assert "What to learn next for Middle" in html
    assert "1 step" in html


def test_the_top_is_worded_clearly(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)

    html = client.post(calc_url(seed_role), form_data(sheet, "E")).content.decode()

    assert "You meet every level of this role, up to Principal" in html
    assert "What to learn next" not in html


def test_unmet_levels_say_what_blocked_them(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)
    data = form_data(sheet, "A")
    data["rating-github-copilot"] = ""

    html = client.post(calc_url(seed_role), data).content.decode()

    assert "Blocked by 1 mandatory requirement:" in html
    assert "GitHub Copilot" in html
    assert "Blocked by 56 mandatory requirements:" in html  # Middle asks W of everything


def test_a_tampered_rating_is_a_400_that_keeps_the_rest(client, seed_role):
    data = {"rating-github-copilot": "Z", "rating-cursor-ide": "A"}

    response = client.post(calc_url(seed_role), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "not understood" in html
    assert "GitHub Copilot" in html
    assert html.count(" checked") == 55 + 1  # 55 "none" radios plus Cursor IDE's A


def test_hiding_the_codes_is_a_checkbox_kept_across_requests(client, seed_role):
    shown = client.get(calc_url(seed_role)).content.decode()
    hidden_get = client.get(calc_url(seed_role) + "?hide_codes=1").content.decode()
    hidden_post = client.post(calc_url(seed_role), {"hide_codes": "1"}).content.decode()

    assert re.search(r'id="hide-codes"[^>]*value="1">', shown)
    assert re.search(r'id="hide-codes"[^>]*value="1" checked>', hidden_get)
    assert re.search(r'id="hide-codes"[^>]*value="1" checked>', hidden_post)
    assert "codes-hidden" not in shown
    assert "codes-hidden" in hidden_get
    assert "codes-hidden" in hidden_post


def test_unknown_role_is_a_404(client, db):
    assert client.get("/roles/no-such-role/grade/").status_code == 404
    assert client.post("/roles/no-such-role/grade/share/").status_code == 404


def test_sharing_stores_the_ratings_and_the_share_page_shows_the_same_result(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)
    data = form_data(sheet, "A")

    response = client.post(share_url(seed_role), data)

    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{assessment.token}/"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-grade="junior"' in html
    assert "Taken on" in html
    assert "version 1" in html
    assert html.count('<span class="code code--A" aria-hidden="true">A</span> Awareness') == 56
    assert "The role has changed" not in html
    assert 'name="robots" content="noindex"' in html


def test_the_share_page_grades_against_its_version_and_offers_a_regrade(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)
    client.post(share_url(seed_role), form_data(sheet, "A"))
    assessment = Assessment.objects.get()
    role_change_apply(
        role=seed_role,
        changes=[SetRequirement(skill="github-copilot", level="junior", code="E")],
        author=None,
        source="admin",
    )

    html = client.get(f"/assessments/{assessment.token}/").content.decode()
    regrade = client.get(f"{calc_url(seed_role)}?from={assessment.token}").content.decode()

    assert 'data-grade="junior"' in html  # the result it had
    assert "The role has changed since this assessment: it is now at version 2" in html
    assert f"?from={assessment.token}" in html
    assert 'data-grade=""' in regrade  # the junior cell now asks E of GitHub Copilot
    assert regrade.count(' value="A" checked') == 56


def test_an_unknown_token_is_a_404(client, db):
    assert client.get("/assessments/not-a-real-token-at-all-000000/").status_code == 404


def test_share_needs_post_and_csrf(seed_role):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.get(share_url(seed_role)).status_code == 405
    assert strict.post(share_url(seed_role), {}).status_code == 403
    assert Assessment.objects.count() == 0


def test_sharing_with_no_rating_is_refused_with_a_message(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)

    response = client.post(share_url(seed_role), form_data(sheet, ""))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Rate at least one skill before saving your result." in html
    assert 'class="grading-error" role="alert"' in html
    assert Assessment.objects.count() == 0


def test_share_links_are_rate_limited_with_a_clear_429(client, seed_role, settings):
    settings.GRADING_SHARE_LINKS_PER_HOUR = 2

    one_rating = {"rating-docker": "A"}
    statuses = [client.post(share_url(seed_role), one_rating).status_code for _ in range(3)]

    response = client.post(share_url(seed_role), one_rating)
    assert statuses == [302, 302, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Please try again in" in response.content.decode()
    assert Assessment.objects.count() == 2


def test_signed_in_members_keep_a_history_of_their_own_assessments(
    client, seed_role, member, django_user_model
):
    other = django_user_model.objects.create_user(username="other", password="pw-other-123")
    sheet = grading_sheet_get(role=seed_role)
    client.force_login(other)
    client.post(share_url(seed_role), form_data(sheet, "E"))
    client.force_login(member)
    client.post(share_url(seed_role), form_data(sheet, "W"))
    client.post(share_url(seed_role), {"rating-docker": "A"})

    html = client.get(reverse("grading:history")).content.decode()

    mine = Assessment.objects.filter(user=member)
    assert mine.count() == 2
    assert all(f"/assessments/{a.token}/" in html for a in mine)
    assert Assessment.objects.get(user=other).token not in html
    assert "Senior" in html
    # Worded as everywhere else: below the role's first level, by name.
    assert "Below Junior" in html
    assert "below the first level" not in html


def test_the_history_is_paginated(client, seed_role, member, django_assert_max_num_queries):
    from grading.views import HISTORY_PAGE_SIZE

    Assessment.objects.bulk_create(
        Assessment(role=seed_role, role_version=1, ratings={}, user=member, token=f"{i:0>32}")
        for i in range(HISTORY_PAGE_SIZE + 5)
    )
    client.force_login(member)
    # session, user, count, one page of assessments with their roles, the header's unread count
    with django_assert_max_num_queries(5):
        first = client.get(reverse("grading:history")).content.decode()
    last = client.get(reverse("grading:history") + "?page=2").content.decode()
    beyond = client.get(reverse("grading:history") + "?page=99").content.decode()
    junk = client.get(reverse("grading:history") + "?page=x").content.decode()

    assert first.count("/assessments/0") == HISTORY_PAGE_SIZE
    assert last.count("/assessments/0") == 5
    assert 'rel="next" href="?page=2"' in first
    assert "Page 2 of 2" in last
    assert beyond.count("/assessments/0") == 5  # the last page, not an error
    assert "Page 2 of 2" in beyond
    assert "Page 1 of 2" in junk


def test_the_history_needs_a_sign_in(client, db):
    response = client.get(reverse("grading:history"))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("language", ["es"])
def test_the_calculator_speaks_spanish(client, seed_role, language):
    html = client.get(calc_url(seed_role), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert "Calculadora de grado" in html
    assert "Por debajo de Junior" in html


@pytest.mark.parametrize("token", ["\x00abc", "short", "../../etc", "x" * 300])
def test_a_malformed_from_token_is_ignored(client, seed_role, token, django_assert_max_num_queries):
    # 1 role, 2 snapshot: a malformed token is never looked up.
    with django_assert_max_num_queries(2):
        response = client.get(calc_url(seed_role), {"from": token})

    assert response.status_code == 200
    assert 'data-grade=""' in response.content.decode()


def test_the_share_page_takes_two_queries(client, big_role, django_assert_max_num_queries):
    sheet = grading_sheet_get(role=big_role)
    client.post(share_url(big_role), form_data(sheet, "W"))
    token = Assessment.objects.get().token

    # 1 the assessment with its role and family, 2 the snapshot of its version.
    with django_assert_max_num_queries(2):
        response = client.get(f"/assessments/{token}/")

    assert response.status_code == 200
    assert response.content.decode().count("<tr data-skill=") == 168


def test_a_tampered_share_form_saves_nothing(client, seed_role):
    response = client.post(share_url(seed_role), {"rating-docker": "Z"})
    assert response.status_code == 400
    assert "nothing was saved" in response.content.decode()
    assert Assessment.objects.count() == 0


def _other_letter(letter: str) -> str:
    return "A" if letter != "A" else "B"


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token: token[:-1] + _other_letter(token[-1]), id="unknown"),
        pytest.param(lambda token: token.swapcase(), id="other-case"),
        pytest.param(lambda token: token[:12], id="prefix"),
        pytest.param(lambda token: token + "x" * 64, id="too-long"),
        pytest.param(lambda token: f"../{token}", id="path"),
        pytest.param(lambda token: "", id="empty"),
    ],
)
def test_prefill_ignores_unknown_or_malformed_tokens(client, seed_role, mangle):
    # A real assessment of this role rating every skill W: its own token does prefill, so a
    # page without any W proves the mangled token was not taken for it (or for anything else).
    sheet = grading_sheet_get(role=seed_role)
    shared = client.post(share_url(seed_role), form_data(sheet, "W"))
    token = shared["Location"].rstrip("/").rsplit("/", 1)[-1]
    real = client.get(calc_url(seed_role), {"from": token}).content.decode()
    assert real.count('value="W" checked') == len(sheet.skills)

    response = client.get(calc_url(seed_role), {"from": mangle(token)})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="W" checked' not in html
    assert html.count('value="" checked') == len(sheet.skills)  # the blank form


def test_prefill_ignores_an_assessment_of_another_role(client, seed_role):
    from roles.services import role_import
    from roles.tests.factories import role_document

    other = role_import(raw=role_document(slug="other")).role
    sheet = grading_sheet_get(role=other)
    shared = client.post(share_url(other), form_data(sheet, "W"))
    token = shared["Location"].rstrip("/").rsplit("/", 1)[-1]

    own = client.get(calc_url(other) + f"?from={token}").content.decode()
    foreign = client.get(calc_url(seed_role) + f"?from={token}").content.decode()

    assert own.count('value="W" checked') == len(sheet.skills)
    assert 'value="W" checked' not in foreign


def test_the_calculator_and_share_page_describe_themselves(client, seed_role):
    sheet = grading_sheet_get(role=seed_role)
    calculator = client.get(calc_url(seed_role)).content.decode()
    shared = client.get(client.post(share_url(seed_role), form_data(sheet, "A"))["Location"])

    assert (
        '<meta name="description" content="Rate yourself on the 56 skills of the MLOps Engineer '
        "role and see your level, from Junior to Principal, your coverage of each level and what "
        'to learn next.">'
    ) in calculator
    assert '<meta property="og:title" content="Grade calculator · MLOps Engineer">' in calculator
    assert (
        '<meta property="og:description" content="Graded Junior on the MLOps Engineer skills '
        'matrix, with 56 of 56 skills rated.">'
    ) in shared.content.decode()


# --- Language and theme switches keep the ratings --------------------------------------------


def switch_url(role) -> str:
    return reverse("grading:switch", kwargs={"slug": role.slug})


def test_the_header_switches_submit_the_ratings_on_the_calculator(client, seed_role):
    html = client.get(calc_url(seed_role)).content.decode()
    elsewhere = client.get("/").content.decode()

    keep = f'form="ratings-form" formaction="{switch_url(seed_role)}"'
    assert html.count(keep) == 3  # EN, ES and the theme toggle
    assert 'id="ratings-form"' in html
    assert "formaction" not in elsewhere


def test_switching_language_keeps_the_ratings_without_javascript(client, seed_role):
    response = client.post(
        switch_url(seed_role),
        {
            "rating-docker": "E",
            "rating-python-web-frameworks": "W",
            "rating-redis": "",
            "hide_codes": "1",
            "language": "es",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == (
        "/roles/mlops-engineer/grade/?rating-python-web-frameworks=W&rating-docker=E&hide_codes=1"
    )
    assert response.cookies["django_language"].value == "es"
    page = client.get(response["Location"]).content.decode()
    assert '<html lang="es"' in page
    assert page.count(' value="E" checked') == 1
    assert page.count(' value="W" checked') == 1
    assert 'id="rating-docker-E" name="rating-docker" value="E" checked' in page
    assert 'name="hide_codes" value="1" checked' in page
    assert "Ha valorado 2 de 56 habilidades." in page


def test_switching_theme_keeps_the_ratings_without_javascript(client, seed_role):
    response = client.post(switch_url(seed_role), {"rating-docker": "A", "theme": "toggle"})

    assert response["Location"] == "/roles/mlops-engineer/grade/?rating-docker=A"
    assert response.cookies["theme"].value == "dark"
    assert "django_language" not in response.cookies


def test_a_switch_drops_a_tampered_rating_and_an_unknown_language(client, seed_role):
    response = client.post(
        switch_url(seed_role), {"rating-docker": "X", "rating-redis": "W", "language": "xx"}
    )

    assert response["Location"] == "/roles/mlops-engineer/grade/?rating-redis=W"
    assert "django_language" not in response.cookies


def test_ratings_in_the_address_prefill_the_calculator(client, seed_role):
    html = client.get(
        calc_url(seed_role), {"rating-docker": "W", "rating-redis": "Q", "rating-nope": "E"}
    ).content.decode()

    assert html.count(' value="W" checked') == 1
    assert "You rated 1 of 56 skills." in html


def test_the_switch_needs_post_and_csrf(seed_role):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert strict.get(switch_url(seed_role)).status_code == 405
    assert strict.post(switch_url(seed_role), {"language": "es"}).status_code == 403
