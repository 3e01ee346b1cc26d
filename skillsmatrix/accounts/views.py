"""The member's profile, their API token and email preferences, the language switch, the admin's
way in, and the page a rate-limited account form answers with.

Site pages (DESIGN §3): they gather each app's part through that app's selectors, and no app
imports them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.account import app_settings as account_settings
from allauth.core.internal.ratelimit import parse_rates
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language as django_set_language

from grading.selectors import assessment_list_for_user
from proposals.selectors import (
    expertise_list_for_member,
    proposal_list_for_author,
    vote_list_for_member,
)
from skillsmatrix.accounts.forms import EmailPreferenceForm
from skillsmatrix.accounts.selectors import api_token_get, email_address_list
from skillsmatrix.accounts.services import api_token_regenerate
from skillsmatrix.accounts.signin import WINDOW_SECONDS as SIGN_IN_WINDOW_SECONDS
from skillsmatrix.errors import RateLimited, minutes_until
from skillsmatrix.http import AuthenticatedHttpRequest
from skillsmatrix.members import email_preference_get, email_preference_set, member_can_participate
from skillsmatrix.refusals import refusal_page

StrOrPromise = str | Promise

# How many of each list the profile shows before linking to the full list.
PROFILE_LIST_SIZE = 5


def _first_and_total(rows: QuerySet[Any], size: int = PROFILE_LIST_SIZE) -> tuple[list[Any], int]:
    """The first ``size`` rows of a list whose rows carry ``total`` (the selectors' window
    count), and that total: one query."""
    first = list(rows[:size])
    return first, (first[0].total if first else 0)


@login_required
@require_GET
@never_cache
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The member's page: their account, their API token and their part in each app, every
    section read through that app's selectors (10 queries: session, user, email addresses,
    token, verified check, assessments, email preference, proposals, votes, expertise)."""
    user = request.user
    assessments = list(assessment_list_for_user(user=user)[: PROFILE_LIST_SIZE + 1])
    proposals, proposal_total = _first_and_total(proposal_list_for_author(user=user))
    votes, vote_total = _first_and_total(vote_list_for_member(user=user))
    expertise, expertise_total = _first_and_total(expertise_list_for_member(user=user))
    context = {
        "email_addresses": email_address_list(user=user),
        "can_participate": member_can_participate(user),
        "api_token": api_token_get(user=user),
        "assessments": assessments[:PROFILE_LIST_SIZE],
        "more_assessments": len(assessments) > PROFILE_LIST_SIZE,
        "notification_form": email_preference_form(user=user),
        "proposals": proposals,
        "proposal_total": proposal_total,
        "votes": votes,
        "vote_total": vote_total,
        "expertise": expertise,
        "expertise_total": expertise_total,
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def api_token_regenerate_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Create the member's API token, or replace it (POST only; CSRF applies)."""
    had_token = api_token_get(user=request.user) is not None
    api_token_regenerate(user=request.user)
    messages.success(
        request,
        _("Your new API token is below. The old one no longer works.")
        if had_token
        else _("Your API token is below."),
    )
    return redirect(reverse("profile") + "#api-token")


# --- Email preferences: the profile's "Email notifications", and the language of the emails ----

NOTIFICATIONS_ANCHOR = "#email-notifications"


def email_preference_form(*, user: User) -> EmailPreferenceForm:
    """The profile's form, filled with the member's preference (1 query)."""
    preference = email_preference_get(user=user)
    return EmailPreferenceForm(
        initial={"language": preference.language, "proposal_emails": preference.proposal_emails}
    )


@login_required
@require_POST
def email_preferences_update(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Save the profile's "Email notifications" form; back to the profile (or the profile with
    the errors, 400)."""
    form = EmailPreferenceForm(request.POST)
    if not form.is_valid():
        context = {"notification_form": form}
        return render(request, "accounts/email_notifications.html", context, status=400)
    email_preference_set(
        user=request.user,
        language=form.cleaned_data["language"],
        proposal_emails=form.cleaned_data["proposal_emails"],
    )
    messages.success(request, _("Your email preferences were saved."))
    return redirect(reverse("profile") + NOTIFICATIONS_ANCHOR)


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch; a signed-in member's emails follow the language they chose."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and isinstance(request.user, User)
        and language in dict(settings.LANGUAGES)
    ):
        email_preference_set(user=request.user, language=language)
    return response


def language_from_signup(request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    """allauth's ``user_signed_up`` (connected in ``skillsmatrix.apps``): a new member's emails
    come in the language they signed up in."""
    language = translation.get_language() or ""
    if language in dict(settings.LANGUAGES):
        email_preference_set(user=user, language=language)


# --- The admin's way in, and rate-limited account forms ------------------------------------------


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in page, which sends everyone through the site's sign-in, so the
    admin is no way around its rate limits. It checks no password itself, whatever the method."""
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    user = request.user
    if user.is_authenticated:
        if user.is_active and user.is_staff:
            return redirect(next_url)
        raise PermissionDenied
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


# Each rate-limited account form: allauth's actions that limit it, and what the 429 page says.
_RATE_LIMITED_FORMS: dict[str, tuple[tuple[str, ...], StrOrPromise, StrOrPromise]] = {
    "account_login": (
        ("login",),
        gettext_lazy("Too many sign-in attempts"),
        ngettext_lazy(
            "Please wait %(count)d minute before trying to sign in again.",
            "Please wait %(count)d minutes before trying to sign in again.",
            "count",
        ),
    ),
    "account_signup": (
        ("signup",),
        gettext_lazy("Too many sign-ups"),
        ngettext_lazy(
            "Please wait %(count)d minute before signing up again.",
            "Please wait %(count)d minutes before signing up again.",
            "count",
        ),
    ),
    "account_reset_password": (
        ("reset_password",),
        gettext_lazy("Too many password reset requests"),
        ngettext_lazy(
            "Please wait %(count)d minute before asking for another password reset.",
            "Please wait %(count)d minutes before asking for another password reset.",
            "count",
        ),
    ),
}
_RATE_LIMITED_FORMS["account_reset_password_from_key"] = _RATE_LIMITED_FORMS[
    "account_reset_password"
]
_ANY_FORM = (
    (),
    gettext_lazy("Too many requests"),
    ngettext_lazy(
        "Please wait %(count)d minute and try again.",
        "Please wait %(count)d minutes and try again.",
        "count",
    ),
)


# The site's own limits on those forms, beside allauth's: wrong passwords (per login and address).
_OWN_WINDOWS = {"account_login": SIGN_IN_WINDOW_SECONDS}


def _window_seconds(action: str) -> int:
    """The longest window among allauth's rates for ``action``: after it every count is clear."""
    rates = parse_rates(account_settings.RATE_LIMITS.get(action))
    return int(max((rate.duration for rate in rates), default=60))


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler429``: allauth answers a rate-limited sign-in, sign-up or password reset with
    this page, which says what was limited and when to try again (``Retry-After``)."""
    back = {"back_url": reverse("roles:catalogue"), "back_label": _("Browse all roles")}
    url_name = request.resolver_match.url_name if request.resolver_match else ""
    actions, title, message = _RATE_LIMITED_FORMS.get(url_name or "", _ANY_FORM)
    windows = [_window_seconds(action) for action in actions]
    retry_after = max([*windows, _OWN_WINDOWS.get(url_name or "", 0)]) or 60
    limited = RateLimited(
        message % {"count": minutes_until(retry_after)}, retry_after=retry_after, title=str(title)
    )
    return refusal_page(request, limited, **back)
