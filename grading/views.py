"""The grade calculator, share links and a member's assessment history.

One view serves the full page and, for htmx, the result fragment defined inline in the page.
Every interaction also works as a plain form post without JavaScript.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from grading.errors import AssessmentError, AssessmentNotFound, ShareLinksLimited
from grading.forms import FIELD_PREFIX, RatingsForm, rating_field_name
from grading.report import grade_report, rating_groups
from grading.selectors import (
    GradingSheet,
    assessment_get,
    assessment_list_for_user,
    grade_ratings,
    grading_sheet_for_version,
    grading_sheet_get,
    known_ratings,
)
from grading.services import assessment_create
from roles.models import Role
from roles.selectors import role_get
from skillsmatrix.http import AuthenticatedHttpRequest, HtmxHttpRequest
from skillsmatrix.ratelimit import client_key, rate_limit_hit
from skillsmatrix.refusals import refusal_page
from skillsmatrix.themes import theme_set

# What secrets.token_urlsafe produces; anything else is not looked up (PostgreSQL refuses NULs).
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{22,64}")
HISTORY_PAGE_SIZE = 25


def _prefill(request: HttpRequest, role: Role, sheet: GradingSheet) -> dict[str, str]:
    """Ratings of a stored assessment (``?from=<token>``) still valid on the current sheet,
    so a shared result can be re-graded against the current version of the role."""
    token = request.GET.get("from", "")
    if not TOKEN_RE.fullmatch(token):
        return {}
    try:
        assessment = assessment_get(token=token)
    except AssessmentNotFound:
        return {}
    if assessment.role_id != role.pk:
        return {}
    return known_ratings(sheet, assessment.ratings)


def _ratings_in_query(request: HttpRequest, sheet: GradingSheet) -> dict[str, str] | None:
    """Ratings given in the address (``?rating-<skill>=W``, as a language or theme switch comes
    back with them), or None when it names none. Values not on their skill's scale are
    ignored."""
    if not any(key.startswith(FIELD_PREFIX) for key in request.GET):
        return None
    form = RatingsForm(request.GET, sheet=sheet)
    form.is_valid()
    return form.ratings()


def _calculator_context(
    *,
    role: Role,
    sheet: GradingSheet,
    ratings: dict[str, str],
    hide_codes: bool,
    error: str = "",
) -> dict[str, object]:
    result = grade_ratings(sheet=sheet, ratings=ratings)
    return {
        "role": role,
        "sheet": sheet,
        # Built only when the form is rendered: an htmx post renders just the result.
        "groups": SimpleLazyObject(lambda: rating_groups(sheet, ratings)),
        "report": grade_report(sheet, result, ratings),
        "hide_codes": hide_codes,
        "error": error,
        # The site header's language and theme buttons submit the ratings with them.
        "keep_form": "ratings-form",
        "keep_action": reverse("grading:switch", args=[role.slug]),
    }


@require_http_methods(["GET", "POST"])
def calculator(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    role = role_get(slug=slug)
    sheet = grading_sheet_get(role=role)
    if sheet.nothing_to_grade:
        return render(request, "grading/nothing_to_grade.html", {"role": role, "sheet": sheet})
    status = 200
    error = ""
    if request.method == "POST":
        form = RatingsForm(request.POST, sheet=sheet)
        if form.is_valid():
            ratings = form.ratings()
        else:
            # Only a tampered form gets here: keep the valid ratings and say what was refused.
            status = 400
            error = _("Some ratings were not understood and were ignored: %(skills)s.") % {
                "skills": ", ".join(str(form.fields[name].label) for name in form.errors)
            }
            ratings = form.ratings()
        hide_codes = request.POST.get("hide_codes") == "1"
    else:
        in_query = _ratings_in_query(request, sheet)
        ratings = in_query if in_query is not None else _prefill(request, role, sheet)
        hide_codes = request.GET.get("hide_codes") == "1"
    context = _calculator_context(
        role=role, sheet=sheet, ratings=ratings, hide_codes=hide_codes, error=error
    )
    template = "grading/calculator.html" + ("#result" if request.htmx else "")
    return render(request, template, context, status=status)


@require_POST
def calculator_switch(request: HttpRequest, slug: str) -> HttpResponse:
    """The language or theme buttons, pressed on the calculator: remember the choice as the
    site's own switches do, and come back to the calculator with the ratings in its address,
    so nothing rated is lost, with or without JavaScript."""
    role = role_get(slug=slug)
    sheet = grading_sheet_get(role=role)
    form = RatingsForm(request.POST, sheet=sheet)
    form.is_valid()  # a tampered rating is dropped, the others are kept
    query = {rating_field_name(skill): code for skill, code in form.ratings().items()}
    if request.POST.get("hide_codes") == "1":
        query["hide_codes"] = "1"
    url = reverse("grading:calculator", args=[role.slug])
    response = HttpResponseRedirect(f"{url}?{urlencode(query)}" if query else url)
    # The switches' own views validate the choice and set their cookie; take the cookie.
    switch = theme_set if "theme" in request.POST else set_language
    response.cookies = switch(request).cookies
    return response


@require_POST
def assessment_share(request: HttpRequest, slug: str) -> HttpResponse:
    """Store the posted ratings and redirect to their share page."""
    role = role_get(slug=slug)
    sheet = grading_sheet_get(role=role)
    retry_after = rate_limit_hit(
        scope="grading-share",
        key=client_key(request),
        limit=settings.GRADING_SHARE_LINKS_PER_HOUR,
        window_seconds=3600,
    )
    if retry_after is not None:
        return refusal_page(
            request,
            ShareLinksLimited(retry_after=retry_after),
            back_url=reverse("grading:calculator", args=[role.slug]),
            back_label=_("Back to the grade calculator"),
        )
    form = RatingsForm(request.POST, sheet=sheet)
    if not form.is_valid():
        context = _calculator_context(
            role=role,
            sheet=sheet,
            ratings={},
            hide_codes=False,
            error=_("Some ratings were not understood; nothing was saved."),
        )
        return render(request, "grading/calculator.html", context, status=400)
    try:
        assessment = assessment_create(
            role=role, sheet=sheet, ratings=form.ratings(), user=request.user
        )
    except AssessmentError as exc:
        context = _calculator_context(
            role=role, sheet=sheet, ratings=form.ratings(), hide_codes=False, error=exc.message
        )
        return render(request, "grading/calculator.html", context, status=exc.status)
    return redirect("grading:assessment", token=assessment.token)


@require_GET
def assessment_detail(request: HttpRequest, token: str) -> HttpResponse:
    """A stored assessment graded against the version it was taken on (2 queries)."""
    assessment = assessment_get(token=token)
    role = assessment.role
    sheet = grading_sheet_for_version(role=role, number=assessment.role_version)
    snapshot_missing = sheet is None
    if sheet is None:
        sheet = grading_sheet_get(role=role)
    ratings = known_ratings(sheet, assessment.ratings)
    result = grade_ratings(sheet=sheet, ratings=ratings)
    is_owner = request.user.is_authenticated and assessment.user_id == request.user.pk
    context = {
        "assessment": assessment,
        "role": role,
        "sheet": sheet,
        "groups": rating_groups(sheet, ratings),
        "report": grade_report(sheet, result, ratings),
        "role_changed": role.current_version > assessment.role_version,
        "snapshot_missing": snapshot_missing,
        "is_owner": is_owner,
        # The result speaks to its owner ("Your grade"), to anyone else in the third person.
        "for_others": not is_owner,
    }
    return render(request, "grading/assessment_detail.html", context)


@login_required
@require_GET
def assessment_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(assessment_list_for_user(user=request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "grading/assessment_history.html", {"assessments": page, "page_obj": page}
    )
