"""Wrong passwords: counted per login and client address, and per login from all addresses,
so a guesser is slowed down and the owner is never locked out; the owner is told by email.

* **Per login and address** (``FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES``, 5): an address that
  sent that many wrong passwords for a login in 15 minutes (a sliding window) is refused for
  that login, whatever the password, until the window moves on. Every other address — the
  owner's — signs in as usual.
* **Per login, every address** (``FAILED_LOGINS_PER_ACCOUNT_PER_15_MINUTES``, 20): guessing
  spread over many addresses. Past that many, an address that has already sent a wrong
  password for the login is refused; one that has not still gets its answer. So a botnet gets
  about one guess per address per window, and the owner (who has not failed) still signs in.
* **The owner is told**, once per 15 minutes, when the wrong passwords for their login reach
  the per-address limit: an email in their language (:func:`sign_in_warning_send`, sent by a
  task so that the answer takes as long for an existing account as for an unknown one).

Each spelling of a login (a username, an email address; letter case aside) counts on its own:
were the username's failures counted against its email address too, a guesser could learn a
member's address by failing for their public username and then trying addresses until one is
refused. An unknown login is counted as a known one is, so the limits answer alike.

Every attempt is counted before its password is checked (so parallel guesses cannot outrun the
count) and taken back when it succeeds. The counts live in the ``ratelimit`` cache's sliding
windows (:mod:`skillsmatrix.ratelimit`), lock-free, so a Redis hang cannot turn into a lockout.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import filter_users_by_email, filter_users_by_username
from allauth.core.internal.ratelimit import get_ip
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import caches
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from proposals.emails import message_id
from skillsmatrix.background import registered_task, send_task
from skillsmatrix.members import email_preference_get
from skillsmatrix.ratelimit import WindowHit, window_clear, window_hit, window_undo

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
WARNING_TASK = "skillsmatrix.accounts.tasks.sign_in_warning_task"


def _login(credentials: dict[str, Any]) -> str:
    """The login as typed (allauth passes it as ``email`` and/or ``username``), letter case
    aside."""
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


def _keys(login: str, address: str) -> tuple[str, str]:
    """The windows of ``login``'s wrong passwords from ``address``, and from everywhere (keys
    of a fixed length and alphabet, whatever was typed)."""
    everywhere = f"sign-in-failures:{hashlib.sha256(login.encode()).hexdigest()[:32]}"
    return f"{everywhere}:{address}", everywhere


@dataclass
class SignInAttempt:
    """One sign-in attempt, counted in advance as a failure."""

    login: str
    address: str
    from_address: WindowHit
    from_everywhere: WindowHit


def sign_in_admit(*, request: HttpRequest, credentials: dict[str, Any]) -> SignInAttempt | None:
    """Count this attempt as a wrong password in advance; None when its address may not try
    this login now (nothing counted then)."""
    login, address = _login(credentials), get_ip(request)
    address_key, everywhere_key = _keys(login, address)
    from_address = window_hit(key=address_key, window_seconds=WINDOW_SECONDS)
    if from_address.count > settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES:
        window_undo(from_address)
        return None
    from_everywhere = window_hit(key=everywhere_key, window_seconds=WINDOW_SECONDS)
    # ``from_address.count`` includes this attempt: more than one means the address failed.
    if (
        from_everywhere.count > settings.FAILED_LOGINS_PER_ACCOUNT_PER_15_MINUTES
        and from_address.count > 1
    ):
        window_undo(from_address)
        window_undo(from_everywhere)
        return None
    return SignInAttempt(login, address, from_address, from_everywhere)


def sign_in_succeeded(attempt: SignInAttempt) -> None:
    """The password was right: the attempt was no failure."""
    window_undo(attempt.from_address)
    window_undo(attempt.from_everywhere)


def sign_in_failures_clear(*, request: HttpRequest, email: str) -> None:
    """Forget the wrong passwords for a member's address and username (they just reset their
    password from this address): those from this address, and the count from everywhere."""
    address = get_ip(request)
    user = _account(email.strip().lower())
    logins = {email.strip().lower(), *([user.get_username().lower()] if user else [])}
    for login in logins:
        for key in _keys(login, address):
            window_clear(key=key, window_seconds=WINDOW_SECONDS)


def _account(login: str) -> User | None:
    """The one account ``login`` names (as allauth signs in: by email address first), if any."""
    users: list[Any] = []
    if "@" in login:
        users = list(filter_users_by_email(login, prefer_verified=True))
    if not users:
        users = list(filter_users_by_username(login)[:2])
    return users[0] if len(users) == 1 else None


def sign_in_failed(attempt: SignInAttempt) -> None:
    """The password was wrong (already counted). Once the login's wrong passwords reach the
    per-address limit, its owner is told — once per window, by a task."""
    failures = int(attempt.from_everywhere.count)
    if failures < settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES:
        return
    user = _account(attempt.login)
    if user is None or not user.is_active:
        return
    if not caches["ratelimit"].add(f"sign-in-warned:{user.pk}", 1, WINDOW_SECONDS):
        return  # told already in this window
    send_task(
        registered_task(WARNING_TASK),
        user_id=user.pk,
        failures=failures,
        address=attempt.address,
        decided_at=int(time.time()),
    )


def sign_in_warning_send(*, user_id: int, failures: int, address: str, decided_at: int) -> bool:
    """Email the member that wrong passwords were tried for their account, in their language;
    False when they have no address (or no longer exist, or are inactive). ``decided_at`` (when
    the sign-in decided to tell them) makes its ``Message-ID``: a retry sends the same message."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    email = EmailAddress.objects.get_primary_email(user) or user.email
    if not email:
        return False
    language = email_preference_get(user=user).language
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    with translation.override(language):
        context = {
            "user": user,
            "failures": failures,
            "address": address,
            "minutes": WINDOW_SECONDS // 60,
            "password_reset_url": f"{settings.SITE_URL}{reverse('account_reset_password')}",
            "current_site": {"domain": domain, "name": "Skills Matrix"},
        }
        message = get_adapter().render_mail(
            "account/email/sign_in_attempts",
            email,
            context,
            headers={
                "Content-Language": language,
                "Message-ID": message_id(f"sign-in-attempts-{user.pk}-{decided_at}"),
            },
        )
    message.send()
    logger.info("Told member %s of %s wrong passwords", user.pk, failures)
    return True
