"""What every app may know of a member, beside Django's user: whether they may take part in the
community, and how they want the site's emails (their :class:`EmailPreference`).

Part of the site's helpers, below the apps (DESIGN §3): proposals reads these, the profile page
(``skillsmatrix.accounts``) reads and writes them.

Proposing, voting and commenting need a member with a verified email address (throwaway accounts
are the first abuse of any vote).

Signing in does not need one (``ACCOUNT_EMAIL_VERIFICATION = "optional"``): a new member can
look around, save assessments and get an API token at once, and confirms their address when they
first want to take part. Views use :func:`verified_member_required`, services and templates
:func:`member_can_participate`, the API :class:`HasVerifiedEmail`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from allauth.account.decorators import verified_email_required
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.crypto import get_random_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from skillsmatrix.models import EmailPreference

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.request import Request
    from rest_framework.views import APIView

__all__ = [
    "EmailPreferenceInvalid",
    "HasVerifiedEmail",
    "email_delivery_set",
    "email_preference_get",
    "email_preference_set",
    "email_preferences_of",
    "member_can_participate",
    "member_has_verified_email",
    "member_ids_without_proposal_emails",
    "member_page_stamp",
    "member_page_stamps_bump",
    "verified_member_required",
]

# For function views: a visitor is sent to sign in; a member without a verified address gets a
# page saying so, and a fresh verification email (allauth rate-limits the resending).
verified_member_required = verified_email_required


def member_can_participate(user: AbstractBaseUser | AnonymousUser | Any) -> bool:
    """Whether ``user`` is an active member with a verified email address (1 query; none for
    visitors)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def member_has_verified_email(user: User | OuterRef) -> Exists:
    """Whether a member (or a reference to one in an outer query) has a verified email address,
    as an expression: :func:`member_can_participate`'s query inside another one (a row lock's,
    say), which spares a round trip. No query of its own."""
    return Exists(EmailAddress.objects.filter(user=user, verified=True))


class HasVerifiedEmail(BasePermission):
    """DRF: signed-in members with a verified email address (403 with the reason otherwise)."""

    message = _("Confirm your email address first: proposing, voting and commenting need one.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return member_can_participate(request.user)


# --- Email preferences ------------------------------------------------------------------------


class EmailPreferenceInvalid(ValueError):
    """A preference the site cannot keep (a language it does not speak); nothing was saved."""


def email_preference_get(*, user: User) -> EmailPreference:
    """The member's email preference: their row, or the defaults (unsaved) when they have none
    (1 query)."""
    preference = EmailPreference.objects.filter(user=user).first()
    return preference if preference is not None else EmailPreference(user=user)


def member_ids_without_proposal_emails(*, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` turned the emails about proposals off (1 query)."""
    return set(
        EmailPreference.objects.filter(
            user_id__in=set(user_ids), proposal_emails=False
        ).values_list("user_id", flat=True)
    )


def email_preferences_of(
    *, user_ids: Iterable[int], active_only: bool = False
) -> dict[int, EmailPreference]:
    """The email preferences of ``user_ids`` (only the active members' with ``active_only``),
    each member's row or the defaults (1 query)."""
    users = User.objects.filter(pk__in=set(user_ids)).select_related("email_preference")
    if active_only:
        users = users.filter(is_active=True)
    preferences = {}
    for user in users:
        try:
            preferences[user.pk] = user.email_preference
        except EmailPreference.DoesNotExist:
            preferences[user.pk] = EmailPreference(user=user)
    return preferences


# How one kind of email reaches a member (``EmailPreference.deliveries``).
EMAIL_DELIVERIES = ("immediate", "digest", "never")


def email_delivery_set(*, user: User, kind: str, delivery: str) -> EmailPreference:
    """Set how the member gets the emails of one ``kind`` of notification (its app's name):
    ``immediate``, ``digest`` or ``never``; another delivery raises
    :class:`EmailPreferenceInvalid`. Nothing is emailed while the emails about proposals are
    turned off altogether (``proposal_emails``), whatever the kind's delivery."""
    if delivery not in EMAIL_DELIVERIES:
        raise EmailPreferenceInvalid(gettext("Choose immediately, daily digest or never."))
    with transaction.atomic():
        preference, _created = EmailPreference.objects.select_for_update().get_or_create(user=user)
        preference.deliveries = {**preference.deliveries, kind: delivery}
        preference.save(update_fields=["deliveries"])
    return preference


def email_preference_set(
    *, user: User, language: str | None = None, proposal_emails: bool | None = None
) -> EmailPreference:
    """Set the language of the member's emails and whether they get emails about proposals
    (None leaves a field as it is). An unknown language raises :class:`EmailPreferenceInvalid`."""
    if language is not None and language not in dict(settings.LANGUAGES):
        raise EmailPreferenceInvalid(gettext("Choose one of the site's languages."))
    changes: dict[str, Any] = {}
    if language is not None:
        changes["language"] = language
    if proposal_emails is not None:
        changes["proposal_emails"] = proposal_emails
    with transaction.atomic():
        preference, created = EmailPreference.objects.select_for_update().get_or_create(
            user=user, defaults=changes
        )
        if not created and changes:
            for field, value in changes.items():
                setattr(preference, field, value)
            preference.save(update_fields=list(changes))
    return preference


# --- What a member's pages show of their own ---------------------------------------------------


def _stamp_key(user_id: int) -> str:
    return f"member:page-stamp:{user_id}"


def member_page_stamp(user: AbstractBaseUser | AnonymousUser | Any) -> str:
    """A value that changes whenever something only this member sees on every page changes
    (their unread notifications, what they watch): for the ETags of pages that are revalidated
    rather than rendered (a cache read, no query; "" for visitors)."""
    if user is None or not user.is_authenticated or user.pk is None:
        return ""
    return str(cache.get(_stamp_key(int(user.pk)), ""))


def member_page_stamps_bump(*, user_ids: Iterable[int]) -> None:
    """Change the page stamp of ``user_ids`` once the current transaction commits."""
    keys = [_stamp_key(pk) for pk in set(user_ids)]
    if keys:
        stamp = get_random_string(12)
        transaction.on_commit(lambda: cache.set_many(dict.fromkeys(keys, stamp), None))
