"""The site's versions of allauth's forms, and the profile's forms."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.account.internal.flows.login import perform_login
from allauth.account.internal.flows.signup import complete_signup
from allauth.account.models import Login
from allauth.account.utils import filter_users_by_email, get_next_redirect_url
from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, its first field labelled with what it takes (allauth says
    "Login", and only the placeholder says more, which disappears while typing)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, answering alike whether or not the address has an account.

    allauth hides a taken address only when every sign-in needs a confirmed one; the site lets
    members sign in before confirming (``ACCOUNT_EMAIL_VERIFICATION = "optional"``), so allauth
    said "A user is already registered with this email address". Here a sign-up is confirmed
    before it signs in, either way: a new address gets its confirmation link (which signs the
    member in), a taken one's owner gets allauth's "you already have an account" email with a
    password reset link, and both visitors see the same "check your inbox" page after the same
    work (one password hash each).
    """

    def validate_unique_email(self, value: str) -> str:
        email: str = get_adapter().validate_unique_email(value)
        self.account_already_exists = bool(filter_users_by_email(email))
        return email

    def try_save(self, request: HttpRequest) -> tuple[None, HttpResponse]:
        mandatory = EmailVerificationMethod.MANDATORY
        if self.account_already_exists:
            # The hash a new account's password costs, so both answers take as long.
            make_password(self.cleaned_data.get("password1"))
            email = self.cleaned_data["email"]
            login = Login(user=None, email=email, signup=True, email_verification=mandatory)
            return None, perform_login(request, login)
        user = self.save(request)
        response = complete_signup(
            request,
            user=user,
            email_verification=mandatory,
            redirect_url=get_next_redirect_url(request),
        )
        return None, response


class EmailPreferenceForm(forms.Form):
    """The profile's "Email notifications": the language of the site's emails to the member,
    and whether they get the emails about proposals."""

    language = forms.ChoiceField(label=_("Language of your emails"), choices=settings.LANGUAGES)
    proposal_emails = forms.BooleanField(
        label=_("Email me about proposals"),
        required=False,
        help_text=_(
            "When a proposal of yours changes status, and when one you can review enters review."
        ),
    )
