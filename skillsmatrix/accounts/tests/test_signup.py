"""Signing up tells nobody which addresses have accounts, and refuses names that pass for
someone else's."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-secret-42"


def _signup(username: str, email: str):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return Client().post("/accounts/signup/", data)


def _page_text(response) -> str:
    """What the visitor reads next: the page the answer leads to (its CSRF token aside)."""
    client = Client()
    client.cookies = response.client.cookies
    html = client.get(response["Location"]).content.decode()
    return re.sub(r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1…", html)


def test_sign_up_answers_the_same_for_a_new_and_a_taken_address(verified_member):
    new = _signup("newcomer", "newcomer@example.com")
    taken = _signup("someone", "verified@example.com")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert new.status_code == 302
    new_page = _page_text(new).replace("newcomer@example.com", "<address>")
    taken_page = _page_text(taken).replace("verified@example.com", "<address>")
    assert taken_page == new_page
    assert "We have sent an email to you for verification" in new_page
    assert "already registered" not in taken_page
    # The new address gets its confirmation; the taken one's owner is told instead, and no
    # second account exists.
    assert [message.to for message in mail.outbox] == [
        ["newcomer@example.com"],
        ["verified@example.com"],
    ]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert "already exists" in mail.outbox[1].body
    assert "/accounts/password/reset/" in mail.outbox[1].body
    assert not User.objects.filter(username="someone").exists()


def test_a_taken_address_in_another_letter_case_is_no_different(verified_member):
    new = _signup("newcomer", "newcomer@example.com")
    taken = _signup("someone", "Verified@Example.COM")
    assert (taken.status_code, taken["Location"]) == (new.status_code, new["Location"])
    assert User.objects.filter(email__iexact="verified@example.com").count() == 1


def test_a_new_member_confirms_the_address_and_is_signed_in(client):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    signed_up = client.post("/accounts/signup/", data)
    assert signed_up.status_code == 302
    assert "_auth_user_id" not in client.session  # not before the address is confirmed
    link = mail.outbox[0].body.split("http://testserver", 1)[1].split()[0]
    confirmed = client.post(link)
    assert confirmed.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200
    # And later they sign in as before.
    client.post("/accounts/logout/")
    signed_in = client.post("/accounts/login/", {"login": "newcomer", "password": PASSWORD})
    assert signed_in.status_code == 302


@pytest.mark.parametrize(
    "username",
    [
        "\u0430dmin",  # a Cyrillic a, then Latin "dmin"
        "p\u0430ypal",
        "ver\u0456fied",  # a Cyrillic i
    ],
)
def test_a_username_mixing_lookalike_letters_is_refused(db, username):
    response = _signup(username, "someone@example.com")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_username_error"' in html
    assert "letters that look alike" in html
    assert not User.objects.filter(username=username).exists()


@pytest.mark.parametrize("username", ["admin", "josé", "Дмитрий", "李雷", "ana_2"])
def test_a_username_in_one_script_is_welcome(db, username):
    response = _signup(username, "someone@example.com")
    assert response.status_code == 302
    assert User.objects.filter(username=username).exists()


def test_a_username_that_is_an_email_address_is_refused(verified_member):
    """Sign-in takes a username or an email address: a username that is one would pass for
    another member's address (and whether it is taken must not say whose it is)."""
    for username in ("verified@example.com", "someone@elsewhere.example"):
        response = _signup(username, "someone@example.com")
        assert response.status_code == 200
        assert "cannot contain @" in response.content.decode()
    assert User.objects.count() == 1


def test_an_address_that_is_another_members_username_is_refused(django_user_model):
    """Usernames are public (member pages), so saying so tells nobody anything new."""
    django_user_model.objects.create_user("old@example.com", password="pw-old-member-1")
    response = _signup("newcomer", "Old@example.com")
    assert response.status_code == 200
    assert "another member" in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
