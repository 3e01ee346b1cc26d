"""The site's versions of allauth's forms, and the profile's forms."""

from __future__ import annotations

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, its first field labelled with what it takes (allauth says
    "Login", and only the placeholder says more, which disappears while typing)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")


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
