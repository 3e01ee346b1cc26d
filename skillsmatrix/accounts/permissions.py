"""Who may take part in the community: proposing, voting and commenting need a member with a
verified email address (throwaway accounts are the first abuse of any vote).

Signing in does not need one (``ACCOUNT_EMAIL_VERIFICATION = "optional"``): a new member can
look around, save assessments and get an API token at once, and confirms their address when they
first want to take part. Views use :func:`verified_member_required`, services and templates
:func:`member_can_participate`, the API :class:`HasVerifiedEmail`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allauth.account.decorators import verified_email_required
from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = ["HasVerifiedEmail", "member_can_participate", "verified_member_required"]

# For function views: a visitor is sent to sign in; a member without a verified address gets a
# page saying so, and a fresh verification email (allauth rate-limits the resending).
verified_member_required = verified_email_required


def member_can_participate(user: AbstractBaseUser | AnonymousUser | Any) -> bool:
    """Whether ``user`` is an active member with a verified email address (1 query; none for
    visitors)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()


class HasVerifiedEmail(BasePermission):
    """DRF: signed-in members with a verified email address (403 with the reason otherwise)."""

    message = _("Confirm your email address first: proposing, voting and commenting need one.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return member_can_participate(request.user)
