"""The site's allauth adapter."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import filter_users_by_email, filter_users_by_username
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from skillsmatrix.ratelimit import client_address


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client address allauth's rate limits count by: the same as every other limit
        and throttle of the site (``TRUSTED_PROXY_COUNT``)."""
        return client_address(request.META)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Too many failed sign-ins for one account answer with the site's 429 page (and its
        ``Retry-After``) like every other limit, instead of a form error with status 200."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(respond_429(request)) from None

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Count failed sign-ins per account, not per spelling of it: allauth keys them by the
        text typed, so the username and the email address would each get the full budget.
        (allauth calls this hook for the failed-sign-in limit and to clear it after a reset.)"""
        email = credentials.get("email")
        username = credentials.get("username")
        users: list[Any] = []
        if email:
            users = list(filter_users_by_email(email, prefer_verified=True))
        if not users and username:
            users = list(filter_users_by_username(username)[:2])
        if len(users) == 1:
            return f"account:{users[0].pk}"
        return super()._get_login_attempts_cache_key(request, **credentials)
