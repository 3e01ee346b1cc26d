"""Reads for the profile page."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.db.models import QuerySet
from rest_framework.authtoken.models import Token


def email_address_list(*, user: User) -> QuerySet[EmailAddress]:
    """The member's email addresses, primary first (1 query)."""
    return EmailAddress.objects.filter(user=user).order_by("-primary", "email")


def api_token_get(*, user: User) -> Token | None:
    """The member's API token, or None if they have not created one (1 query)."""
    return Token.objects.filter(user=user).first()


def member_count() -> int:
    """How many active accounts there are (1 query)."""
    return User.objects.filter(is_active=True).count()
