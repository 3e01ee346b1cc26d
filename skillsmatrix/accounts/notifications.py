"""The member's email preferences: the profile's "Email notifications" section, and the
language of their emails following the language they choose on the site."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from proposals.forms import EmailPreferenceForm
from proposals.selectors import email_preference_get
from proposals.services import email_preference_set
from skillsmatrix.http import AuthenticatedHttpRequest

ANCHOR = "#email-notifications"


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
    return redirect(reverse("profile") + ANCHOR)


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
    """allauth's ``user_signed_up``: a new member's emails come in the language they signed up
    in."""
    language = translation.get_language() or ""
    if language in dict(settings.LANGUAGES):
        email_preference_set(user=user, language=language)
