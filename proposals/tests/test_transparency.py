"""Transparency of a vote: where it stands against the rule, who voted which way, and the
reason a down vote may carry (pages and API)."""

from __future__ import annotations

import pytest

from proposals.errors import ProposalInvalid
from proposals.models import Vote
from proposals.rules import standing
from proposals.services import vote_cast
from proposals.tests.factories import UserFactory, tally_from_rows

pytestmark = pytest.mark.django_db


def test_standing_states_votes_share_and_outcome():
    short = standing(up=3, down=1, quorum=5, approval_ratio=0.66)
    assert (short.votes, short.quorum, short.up_share, short.outcome) == (4, 5, 0.75, "expired")
    assert standing(up=4, down=1, quorum=5, approval_ratio=0.66).outcome == "in_review"
    assert standing(up=3, down=2, quorum=5, approval_ratio=0.66).outcome == "rejected"
    assert standing(up=0, down=0, quorum=5, approval_ratio=0.66).up_share is None


def test_page_says_what_the_rule_needs_and_where_it_stands(client, proposal, settings):
    settings.VOTING_QUORUM = 5
    settings.VOTING_APPROVAL_RATIO = 0.66
    for value in (1, 1, 1, -1):
        vote_cast(proposal=proposal, voter=UserFactory.create(), value=value)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "4 votes of 5 needed" in body
    assert "75 % up, 66 % needed" in body
    assert "would expire" in body
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "5 votes of 5 needed" in body
    assert "80 % up, 66 % needed" in body
    assert "would go to review" in body


def test_one_vote_is_singular(client, proposal):
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=-1)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "1 vote of 5 needed" in body
    assert "would expire" in body


def test_down_vote_reason_is_shown_on_the_page_with_its_voter(client, proposal):
    critic = UserFactory.create(username="critic")
    fan = UserFactory.create(username="fan")
    vote_cast(proposal=proposal, voter=critic, value=-1, reason="Seniors <b>rarely</b> build")
    vote_cast(proposal=proposal, voter=fan, value=1)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "1 up vote" in body
    assert "1 down vote" in body
    assert 'href="/members/critic/"' in body
    assert 'href="/members/fan/"' in body
    assert "Seniors &lt;b&gt;rarely&lt;/b&gt; build" in body


def test_reason_only_on_down_votes_and_not_only_invisible(proposal):
    voter = UserFactory.create()
    with pytest.raises(ProposalInvalid) as up:
        vote_cast(proposal=proposal, voter=voter, value=1, reason="Great")
    assert "reason" in up.value.errors
    with pytest.raises(ProposalInvalid) as invisible:
        vote_cast(proposal=proposal, voter=voter, value=-1, reason="\u200b\u202e \u2066")
    assert "visible" in invisible.value.errors["reason"]
    with pytest.raises(ProposalInvalid):
        vote_cast(proposal=proposal, voter=voter, value=-1, reason="x" * 281)
    assert not Vote.objects.filter(proposal=proposal).exists()
    vote = vote_cast(proposal=proposal, voter=voter, value=-1, reason="x" * 280)
    assert len(vote.reason) == 280


def test_changing_a_down_vote_to_up_drops_its_reason(proposal):
    voter = UserFactory.create()
    vote_cast(proposal=proposal, voter=voter, value=-1, reason="Not yet")
    vote_cast(proposal=proposal, voter=voter, value=1)
    assert Vote.objects.get(proposal=proposal, voter=voter).reason == ""


def test_vote_form_sends_the_reason_with_a_down_vote_only(client, proposal):
    voter = UserFactory.create()
    client.force_login(voter)
    url = f"/proposals/{proposal.pk}/vote/"
    client.post(url, {"value": "-1", "reason": "Too much for a senior"})
    assert Vote.objects.get(voter=voter).reason == "Too much for a senior"
    # The form's one reason box is left out of an up vote.
    client.post(url, {"value": "1", "reason": "Too much for a senior"})
    assert Vote.objects.get(voter=voter).reason == ""
    response = client.post(url, {"value": "-1", "reason": "\u200b\u200b"})
    assert response.status_code == 400
    assert "only spaces or invisible characters" in response.content.decode()


def test_voter_list_is_capped_with_and_n_more(client, proposal):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"v{i}") for i in range(60)]
    )
    Vote.objects.bulk_create([Vote(proposal=proposal, voter=u, value=1) for u in users])
    tally_from_rows(proposal)
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "60 up votes" in body
    assert "and 10 more" in body
    assert body.count('class="voters__list"') == 1
    assert body.count("/members/v") == 50


def test_api_vote_takes_an_optional_reason(client, proposal):
    voter = UserFactory.create()
    client.force_login(voter)
    url = f"/api/v1/proposals/{proposal.pk}/vote/"
    response = client.post(
        url, {"value": -1, "reason": "Needs evidence"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["reason"] == "Needs evidence"
    assert Vote.objects.get(voter=voter).reason == "Needs evidence"
    refused = client.post(url, {"value": 1, "reason": "Nice"}, content_type="application/json")
    assert refused.status_code == 400
    assert "reason" in str(refused.json())
    assert client.post(url, {"value": 1}, content_type="application/json").json()["reason"] == ""


def test_api_schema_documents_the_reason(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "reason" in text
    assert "280" in text
