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


def _draft(role, **extra) -> dict[str, str]:
    return {
        "rows": "1",
        "base_version": str(role.current_version),
        "change-0-op": "set_requirement",
        "change-0-skill": "docker",
        "change-0-level": "senior",
        "change-0-code": "E",
        "change-0-mandatory": "on",
        "title": "Seniors master Docker",
        "rationale": "Every senior debugs image builds.",
        **extra,
    }


def test_the_header_switches_post_the_draft_to_the_editor(client, seed_role):
    client.force_login(UserFactory.create())
    html = client.get(_editor_url(seed_role)).content.decode()
    assert 'id="proposal-editor"' in html
    switches = re.findall(r'<button type="submit" name="(?:language|theme)"[^>]*>', html)
    assert len(switches) == 3  # English, Spanish and the theme
    for button in switches:
        assert 'form="proposal-editor"' in button
        assert f'formaction="{_editor_url(seed_role)}"' in button


def test_switching_language_in_the_editor_keeps_the_draft(client, seed_role):
    client.force_login(UserFactory.create())
    response = client.post(_editor_url(seed_role), _draft(seed_role, language="es"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "Proponer un cambio" in html
    assert 'value="Seniors master Docker"' in html
    assert "Every senior debugs image builds." in html
    assert '<option value="docker" selected>' in html
    assert response.cookies["django_language"].value == "es"
    assert "field-error" not in html  # switching is not checking


def test_switching_theme_in_the_editor_keeps_the_draft(client, seed_role):
    client.force_login(UserFactory.create())
    response = client.post(_editor_url(seed_role), _draft(seed_role, theme="toggle"))
    html = response.content.decode()
    assert 'data-theme="dark"' in html
    assert response.cookies["theme"].value == "dark"
    assert 'value="Seniors master Docker"' in html


LONG_TITLE = " ".join(["Seniors"] * 80)  # 639 characters


def test_the_title_input_does_not_cut_a_long_title(client, seed_role):
    client.force_login(UserFactory.create())
    html = client.get(_editor_url(seed_role)).content.decode()
    title = re.search(r'<input type="text" name="title"[^>]*>', html)
    assert title is not None
    assert "maxlength" not in title.group(0)


def test_a_long_title_is_refused_naming_the_limit(client, seed_role):
    client.force_login(UserFactory.create())
    draft = _draft(seed_role, title=LONG_TITLE, action="submit")
    response = client.post(_editor_url(seed_role), draft)
    assert response.status_code == 400
    assert "At most 200 characters (it has 639)." in response.content.decode()
    assert not seed_role.proposals.exists()


def test_the_api_refuses_a_long_title_naming_the_limit(client, seed_role):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory.create())
    body = {
        "role": seed_role.slug,
        "title": LONG_TITLE,
        "rationale": "Because.",
        "changes": [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    }
    response = client.post(
        "/api/v1/proposals/",
        body,
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 400
    assert "200" in str(response.json()["errors"]["title"])


def test_with_one_role_the_editor_opens_on_it(client, seed_role):
    client.force_login(UserFactory.create())
    response = client.get(reverse("proposals:new"))
    assert response.status_code == 302
    assert response["Location"] == _editor_url(seed_role)


def test_with_several_roles_the_member_chooses(client, seed_role):
    from roles.tests.factories import RoleFactory

    RoleFactory.create()
    client.force_login(UserFactory.create())
    response = client.get(reverse("proposals:new"))
    assert response.status_code == 200
    assert "Which role" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "\u200b\u200b"}, "visible text"),
        ({"title": "\u202e\u2066"}, "visible text"),
        ({"rationale": "\u200b \u200d"}, "visible text"),
        ({"title": "Seniors\r\nmaster Docker"}, "one line"),
    ],
)
def test_the_editor_refuses_invisible_or_multiline_text(client, seed_role, fields, message):
    client.force_login(UserFactory.create())
    response = client.post(_editor_url(seed_role), _draft(seed_role, action="submit", **fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not seed_role.proposals.exists()


def test_a_comment_of_invisible_characters_is_refused(client, proposal):
    client.force_login(UserFactory.create())
    response = client.post(f"/proposals/{proposal.pk}/comments/", {"text": "\u200b\u2069"})
    assert response.status_code == 400
    assert "visible text" in response.content.decode()
    assert not proposal.comments.exists()


@pytest.mark.parametrize("title", ["\u200b\u200b", "Seniors\nmaster Docker"])
def test_the_api_refuses_an_invisible_or_multiline_title(client, seed_role, title):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory.create())
    body = {
        "role": seed_role.slug,
        "title": title,
        "rationale": "Because.",
        "changes": [{"op": "set_requirement", "skill": "docker", "level": "senior", "code": "E"}],
    }
    response = client.post(
        "/api/v1/proposals/",
        body,
        content_type="application/json",
        headers={"authorization": f"Token {token.key}"},
    )
    assert response.status_code == 400
    assert "title" in response.json()["errors"]
    assert not seed_role.proposals.exists()
