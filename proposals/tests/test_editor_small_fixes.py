"""Small things of the proposal editor seen in the browser (issue 18): the unconfirmed member's
banner and Submit, keeping the draft across a language switch, the title's limit, going
straight to the only role."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconfirmed(db):
    user = UserFactory.create(username="newcomer", email="new@example.com", verified=False)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    return user


def _editor_url(role) -> str:
    return reverse("proposals:new") + f"?role={role.slug}"


def test_an_unconfirmed_members_submit_is_disabled_and_says_why(client, seed_role, unconfirmed):
    client.force_login(unconfirmed)
    html = client.get(_editor_url(seed_role)).content.decode()
    submit = re.search(r'<button type="submit" name="action" value="submit"[^>]*>', html)
    assert submit is not None
    assert " disabled" in submit.group(0)
    assert 'aria-describedby="participation-note"' in submit.group(0)
    assert 'id="participation-note"' in html


def test_the_banner_sends_the_confirmation_again(client, seed_role, unconfirmed):
    client.force_login(unconfirmed)
    html = client.get(_editor_url(seed_role)).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="inline-form resend-confirmation">'
        r"(.*?)</form>",
        html,
        re.S,
    )
    assert form is not None
    assert form.group(1) == reverse("account_email")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert 'value="new@example.com"' in form.group(2)
    mail.outbox = []
    client.post(form.group(1), {"email": "new@example.com", "action_send": ""})
    assert [message.to for message in mail.outbox] == [["new@example.com"]]


def test_a_confirmed_member_sees_no_banner(client, seed_role):
    client.force_login(UserFactory.create())
    html = client.get(_editor_url(seed_role)).content.decode()
    assert "resend-confirmation" not in html
    assert "participation-note" not in html
