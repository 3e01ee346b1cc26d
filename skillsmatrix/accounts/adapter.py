"""The site's allauth adapter."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from confusable_homoglyphs import confusables
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from skillsmatrix.accounts.signin import (
    SignInAttempt,
    sign_in_admit,
    sign_in_failed,
    sign_in_failures_clear,
    sign_in_succeeded,
)
from skillsmatrix.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Refuse a username that could pass for someone else's: one that mixes alphabets with
        letters that look alike (``admin`` with a Cyrillic first letter), or one that is an email
        address (signing in takes either; it would pass for another member's address)."""
        if "@" in username:
            raise ValidationError(
                _("A username cannot contain @, so that it never passes for an email address."),
                code="username_email",
            )
        if confusables.is_dangerous(username):
            raise ValidationError(
                _(
                    "This username mixes letters that look alike from different alphabets (such "
                    "as a Cyrillic letter among Latin ones), so it could pass for another name. "
                    "Use the letters of one alphabet."
                ),
                code="username_confusable",
            )
        return str(super().clean_username(username, shallow=shallow))

    def clean_email(self, email: str) -> str:
        """Refuse an address that is another member's username (possible for usernames from
        before they could not contain @): signing in with it would be ambiguous. Usernames are
        public, so this tells nobody anything."""
        email = str(super().clean_email(email))
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError(
                _("This address is another member's username: please use another address."),
                code="email_username",
            )
        return email

    def get_client_ip(self, request: HttpRequest) -> str:
        """The client address allauth's rate limits count by: the same as every other limit
        and throttle of the site (``TRUSTED_PROXY_COUNT``)."""
        return client_address(request.META)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Wrong passwords are counted per login and address, and per login from everywhere
        (:mod:`skillsmatrix.accounts.signin`), not by allauth's ``login_failed`` (which locked
        the owner out with everyone else). A refused attempt answers with the site's 429
        page (and its ``Retry-After``) like every other limit."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(respond_429(request)) from None
        attempt = sign_in_admit(request=request, credentials=credentials)
        if attempt is None:
            raise ImmediateHttpResponse(respond_429(request))
        self._sign_in_attempt = attempt

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        """allauth's (pre_authenticate, the backend, then authentication_failed on a wrong
        password); a right one takes back the failure counted in advance."""
        user = super().authenticate(request, **credentials)
        attempt: SignInAttempt | None = self.__dict__.pop("_sign_in_attempt", None)
        if user is not None and attempt is not None:
            sign_in_succeeded(attempt)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        super().authentication_failed(request, **credentials)
        attempt: SignInAttempt | None = getattr(self, "_sign_in_attempt", None)
        if attempt is not None:
            sign_in_failed(attempt)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth's hook after a password reset (for each of the member's addresses): the
        owner, at least, may try again at once."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        sign_in_failures_clear(request=request, email=credentials.get("email") or "")
