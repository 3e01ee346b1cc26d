"""Withdrawing asks first (issue 18): the proposal page links to a page that confirms."""

from __future__ import annotations

import re

import pytest

from proposals.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_proposal_page_asks_before_withdrawing(client, proposal):
    client.force_login(proposal.author)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    # No form posts a withdrawal from the proposal page itself.
    assert not re.search(rf'<form[^>]*action="/proposals/{proposal.pk}/withdraw/"', page)
    assert f'href="/proposals/{proposal.pk}/withdraw/"' in page
    confirm = client.get(f"/proposals/{proposal.pk}/withdraw/")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "Withdraw your proposal?" in html
    assert re.search(rf'<form method="post" action="/proposals/{proposal.pk}/withdraw/"', html)
    assert f'href="/proposals/{proposal.pk}/"' in html  # keep it open
    proposal.refresh_from_db()
    assert proposal.status == "voting"  # asking changed nothing
    client.post(f"/proposals/{proposal.pk}/withdraw/")
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


def test_only_the_author_of_an_open_proposal_is_asked(client, proposal):
    client.force_login(UserFactory.create())
    response = client.get(f"/proposals/{proposal.pk}/withdraw/")
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{proposal.pk}/"


def test_a_success_message_shows_once(client, proposal):
    client.force_login(UserFactory.create())
    response = client.post(f"/proposals/{proposal.pk}/vote/", {"value": "1"}, follow=True)
    assert response.status_code == 200
    assert response.content.decode().count("Your vote was counted.") == 1
