"""Signing in under attack: wrong passwords pause the address that sent them, never the owner;
the owner is told; and a sign-in costs one password hash whether or not the account exists."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.core import mail
from django.test import Client

from skillsmatrix.members import email_preference_set

pytestmark = pytest.mark.django_db

RIGHT = "pw-verified-123"


@pytest.fixture
def limits(settings):
    """Small limits for one test: ``per_address`` wrong passwords for one login from one
    address, ``per_account`` from all addresses together."""

    def set_limits(*, per_address: int, per_account: int) -> None:
        settings.FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES = per_address
        settings.FAILED_LOGINS_PER_ACCOUNT_PER_15_MINUTES = per_account

    return set_limits


def sign_in(login: str, password: str, address: str = "127.0.0.1") -> int:
    """A sign-in from ``address`` in a browser of its own; the answer's status."""
    response = Client().post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR=address
    )
    return response.status_code


def test_wrong_passwords_pause_the_address_that_sent_them_not_the_owner(verified_member, limits):
    limits(per_address=3, per_account=50)
    assert [sign_in("verified", "nope", "203.0.113.9") for _ in range(3)] == [200, 200, 200]
    # That address may not go on guessing, even with the right password…
    assert sign_in("verified", RIGHT, "203.0.113.9") == 429
    # …but the owner, anywhere else, signs in, by either name, in any letter case.
    assert sign_in("verified", RIGHT, "198.51.100.7") == 302
    assert sign_in("Verified@Example.com", RIGHT, "198.51.100.8") == 302


def test_an_admin_guessed_from_one_address_still_signs_in_from_another(admin, limits):
    limits(per_address=3, per_account=50)
    for _ in range(5):
        sign_in("admin", "nope", "203.0.113.9")
    assert sign_in("admin", "pw-admin-123", "203.0.113.9") == 429
    assert sign_in("admin", "pw-admin-123", "198.51.100.7") == 302


def test_guessing_from_many_addresses_pauses_each_of_them_but_not_a_new_one(
    verified_member, limits
):
    limits(per_address=3, per_account=4)
    guessers = [f"203.0.113.{n}" for n in range(1, 5)]
    assert [sign_in("verified", "nope", address) for address in guessers] == [200] * 4
    # The account has had its share of wrong passwords: an address that sent one is paused…
    assert sign_in("verified", "nope", guessers[0]) == 429
    assert sign_in("verified", RIGHT, guessers[1]) == 429
    # …an address that sent none still gets its answer, and the owner signs in.
    assert sign_in("verified", "nope", "203.0.113.50") == 200
    assert sign_in("verified", RIGHT, "198.51.100.7") == 302


def test_the_right_password_does_not_count_as_a_failure(verified_member, limits):
    limits(per_address=2, per_account=50)
    statuses = [sign_in("verified", RIGHT) for _ in range(4)]
    assert statuses == [302] * 4
    assert sign_in("verified", "nope") == 200  # still the form, not the limit


def test_the_limits_never_tell_which_email_belongs_to_a_username(verified_member, limits):
    """Were failures for the username counted against its email address too, a guesser could
    learn a member's address: fail for the (public) username, then try addresses until one
    is refused. Each spelling of a login has its own count."""
    limits(per_address=3, per_account=3)
    for _ in range(3):
        sign_in("verified", "nope")
    assert sign_in("verified", "nope") == 429
    # Its real address and an unknown one answer alike.
    assert sign_in("verified@example.com", "nope") == 200
    assert sign_in("stranger@example.com", "nope") == 200


def test_the_owner_is_emailed_once_while_their_account_is_being_guessed(verified_member, limits):
    limits(per_address=3, per_account=50)
    sign_in("verified", "nope", "203.0.113.9")
    sign_in("verified", "nope", "203.0.113.9")
    assert mail.outbox == []  # two wrong passwords may well be the owner's
    sign_in("verified", "nope", "203.0.113.9")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["verified@example.com"]
    assert "sign in to your account" in message.subject
    body = message.body
    assert "3 wrong passwords" in body
    assert "203.0.113.9" in body
    assert "/accounts/password/reset/" in body
    assert "nope" not in body  # never the guesses themselves
    # Sent by a task, which a retry sends as the same message.
    assert message.extra_headers["Message-ID"].startswith(
        f"<sign-in-attempts-{verified_member.pk}-"
    )
    # More guesses, from anywhere, in the same window: no more emails.
    for address in ("203.0.113.9", "203.0.113.10", "203.0.113.10", "203.0.113.10"):
        sign_in("verified@example.com", "nope", address)
    assert len(mail.outbox) == 1


def test_the_warning_speaks_the_owners_language(verified_member, limits):
    limits(per_address=2, per_account=50)
    email_preference_set(user=verified_member, language="es")
    sign_in("verified", "nope")
    sign_in("verified", "nope")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].extra_headers["Content-Language"] == "es"
    # The site's greeting, already in the catalogue (the new sentences await their Spanish).
    assert mail.outbox[0].body.startswith("¡Hola desde Matriz de habilidades!")


def test_guessing_an_unknown_login_emails_nobody(db, limits):
    limits(per_address=2, per_account=50)
    assert [sign_in("nobody@example.com", "nope") for _ in range(3)] == [200, 200, 429]
    assert mail.outbox == []


# --- The work of a sign-in ----------------------------------------------------------------------


class CountingHasher(MD5PasswordHasher):
    """The tests' fast hasher, counting every password hashed (checking one hashes it too)."""

    hashed = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).hashed += 1
        return super().encode(password, salt)


@pytest.fixture
def hashes(settings):
    """How many passwords the code under test hashed (reset with ``hashes.reset()``)."""
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]

    class Counter:
        def reset(self) -> None:
            CountingHasher.hashed = 0

        def __int__(self) -> int:
            return CountingHasher.hashed

    counter = Counter()
    counter.reset()
    return counter


@pytest.mark.parametrize(
    ("login", "password", "status"),
    [
        ("verified@example.com", "wrong-password", 200),
        ("stranger@example.com", "wrong-password", 200),
        ("verified", "wrong-password", 200),
        ("stranger", "wrong-password", 200),
        ("verified@example.com", RIGHT, 302),
        ("VERIFIED@example.com", RIGHT, 302),
        ("verified", RIGHT, 302),
    ],
)
def test_a_sign_in_hashes_one_password_whether_or_not_the_account_exists(
    client, verified_member, hashes, login, password, status
):
    hashes.reset()
    response = client.post("/accounts/login/", {"login": login, "password": password})
    assert response.status_code == status
    assert int(hashes) == 1
