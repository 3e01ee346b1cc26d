"""The site's authentication backend: allauth's, hashing one password per sign-in."""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest


class AuthenticationBackend(AllauthBackend):
    """allauth's backend (a username or an email address, and the permissions of Django's
    ``ModelBackend``), checking each account's password at most once per sign-in.

    A login that looks like an email address is tried as one and as a username, and allauth
    looks the address up twice on the way: without this, a wrong password for an existing
    address was hashed twice where an unknown address cost one dummy hash — the sign-in took
    measurably longer, and said which addresses have accounts. Now every sign-in hashes once:
    the account's password, or allauth's dummy one when no account matches.
    """

    def authenticate(
        self, request: HttpRequest | None, **credentials: Any
    ) -> AbstractBaseUser | None:
        self._checked: dict[Any, AbstractBaseUser | None] = {}
        return super().authenticate(request, **credentials)

    def _check_password(
        self, user: AbstractBaseUser | None, password: str
    ) -> AbstractBaseUser | None:
        if user is None:
            return None
        if user.pk not in self._checked:
            self._checked[user.pk] = super()._check_password(user, password)
        return self._checked[user.pk]
