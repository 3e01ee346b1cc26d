"""The profile's "Email notifications" and the language of a member's emails."""

from __future__ import annotations

import pytest

from skillsmatrix.models import EmailPreference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_language_after():
    """Requests in Spanish leave Spanish active in this thread: later tests expect English."""
    from django.utils import translation

    yield
    translation.activate("en")


def test_profile_shows_the_email_notifications_form(client, member):
    client.force_login(member)
    html = client.get("/accounts/profile/").content.decode()
    assert 'id="email-notifications"' in html
    assert 'action="/accounts/profile/notifications/"' in html
    section = html.split('id="email-notifications"')[1].split("</section>")[0]
    assert 'name="proposal_emails"' in section
    assert "checked" in section  # on until the member turns them off
    assert 'value="en" selected' in section


def test_a_member_turns_proposal_emails_off_and_chooses_spanish(client, member):
    client.force_login(member)
    response = client.post("/accounts/profile/notifications/", {"language": "es"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/profile/#email-notifications"
    preference = EmailPreference.objects.get(user=member)
    assert (preference.language, preference.proposal_emails) == ("es", False)
    html = client.get("/accounts/profile/").content.decode()
    assert 'value="es" selected' in html
    assert "checked" not in html.split('id="email-notifications"')[1].split("</section>")[0]


def test_a_bad_language_is_a_400_with_the_form(client, member):
    client.force_login(member)
    response = client.post(
        "/accounts/profile/notifications/", {"language": "xx", "proposal_emails": "on"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="email-notifications"' in html
    assert not EmailPreference.objects.exists()
    # Styled as on the profile, the error between the label and the field it is about.
    assert "proposals/proposals.css" in html
    section = html.split('id="email-notifications"')[1]
    error = section.index("Select a valid choice")
    assert section.index('for="id_language"') < error < section.index('<select name="language"')
    assert 'aria-invalid="true"' in section.split("<select")[1].split(">")[0]


def test_preferences_need_a_member_and_a_post(client, member):
    response = client.post("/accounts/profile/notifications/", {"language": "es"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(member)
    assert client.get("/accounts/profile/notifications/").status_code == 405
    assert not EmailPreference.objects.exists()


def test_the_preferences_form_needs_the_csrf_token(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post("/accounts/profile/notifications/", {"language": "es"})
    assert response.status_code == 403
    assert not EmailPreference.objects.exists()


def test_switching_language_signed_in_sets_the_emails_language(client, member):
    client.force_login(member)
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302
    assert EmailPreference.objects.get(user=member).language == "es"
    # A visitor's switch stores nothing.
    client.logout()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert EmailPreference.objects.get(user=member).language == "es"


def test_switching_to_an_unknown_language_changes_nothing(client, member):
    client.force_login(member)
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert not EmailPreference.objects.exists()


def test_signing_up_in_spanish_sets_the_emails_language(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "nuevo",
            "email": "nuevo@example.com",
            "password1": "una-clave-larga-123",
            "password2": "una-clave-larga-123",
        },
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 302
    assert EmailPreference.objects.get(user__username="nuevo").language == "es"
