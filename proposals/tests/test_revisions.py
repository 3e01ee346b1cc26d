"""Revisions: the author revises a voting proposal; each earlier text is kept and shown. New
changes restart the window and set the votes so far aside; new words only keep them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from proposals.errors import ProposalForbidden, ProposalInvalid, ProposalStateError
from proposals.models import Proposal, ProposalRevision, SetAsideVote, Vote
from proposals.selectors import proposal_get, proposal_tally
from proposals.services import proposal_revise, vote_cast
from proposals.tests.conftest import DOCKER_SENIOR_E
from proposals.tests.factories import UserFactory
from proposals.tests.test_editor_prefill import editor_data

pytestmark = pytest.mark.django_db

DOCKER_SENIOR_W = {**DOCKER_SENIOR_E, "code": "W"}


def _revise(proposal, **changes):
    fields = {
        "title": proposal.title,
        "rationale": proposal.rationale,
        "changes": proposal.changes,
        "evidence_links": proposal.evidence_links,
    }
    fields.update(changes)
    return proposal_revise(proposal=proposal, author=proposal.author, **fields)


def test_new_words_keep_the_votes_and_the_window(proposal):
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    closes_at = proposal.closes_at
    revised = _revise(proposal, title="Seniors master Docker builds", rationale="More *why*.")
    assert (revised.changes_changed, revised.votes_set_aside) == (False, 0)
    proposal.refresh_from_db()
    assert (proposal.revision, proposal.title, proposal.closes_at) == (
        2,
        "Seniors master Docker builds",
        closes_at,
    )
    old = ProposalRevision.objects.get(proposal=proposal)
    assert (old.number, old.title) == (1, "Seniors master Docker")
    assert proposal_tally(proposal=proposal) == (1, 0)


def test_new_changes_restart_the_window_and_set_the_votes_aside(proposal, monkeypatch):
    fan, critic = UserFactory.create(), UserFactory.create()
    vote_cast(proposal=proposal, voter=fan, value=1)
    vote_cast(proposal=proposal, voter=critic, value=-1, reason="Too much")
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() + timedelta(hours=1))
    proposal.refresh_from_db()
    revised = _revise(proposal, changes=[DOCKER_SENIOR_W])
    assert (revised.changes_changed, revised.votes_set_aside) == (True, 2)
    proposal.refresh_from_db()
    assert proposal.changes[0]["code"] == "W"
    assert proposal.closes_at > timezone.now() + timedelta(hours=2)
    # The tally counts the vote rows, which hold only votes on the current changes.
    assert proposal_tally(proposal=proposal) == (0, 0)
    assert not Vote.objects.filter(proposal=proposal).exists()
    kept = SetAsideVote.objects.get(proposal=proposal, voter=critic)
    assert (kept.value, kept.reason, kept.revision) == (-1, "Too much", 1)
    assert set(SetAsideVote.objects.filter(proposal=proposal).values_list("voter", flat=True)) == {
        fan.pk,
        critic.pk,
    }
    # Their voters may vote again, and the page tells them.
    assert proposal_get(pk=proposal.pk, viewer=fan).my_vote_set_aside  # type: ignore[attr-defined]
    vote_cast(proposal=proposal, voter=fan, value=1)
    again: Any = proposal_get(pk=proposal.pk, viewer=fan)
    assert (again.my_vote, again.my_vote_set_aside, again.votes_up) == (1, False, 1)


def test_only_the_author_revises_a_voting_proposal_and_never_to_nothing(proposal):
    with pytest.raises(ProposalForbidden):
        proposal_revise(
            proposal=proposal,
            author=UserFactory.create(),
            title="Mine now",
            rationale=proposal.rationale,
            changes=proposal.changes,
        )
    with pytest.raises(ProposalInvalid):
        _revise(proposal)
    with pytest.raises(ProposalInvalid) as bad:
        _revise(proposal, changes=[{**DOCKER_SENIOR_E, "level": "nowhere"}])
    assert any(key.startswith("changes[0]") for key in bad.value.errors)
    Proposal.objects.filter(pk=proposal.pk).update(status="in_review")
    proposal.refresh_from_db()
    with pytest.raises(ProposalStateError):
        _revise(proposal, title="Too late")
    assert not ProposalRevision.objects.exists()


def test_page_shows_each_revision_and_what_changed(client, proposal):
    _revise(proposal, title="Docker for seniors")
    proposal.refresh_from_db()
    _revise(proposal, changes=[DOCKER_SENIOR_W])
    body = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'id="revisions"' in body
    assert "Revision 3 (after 2)" in body
    assert "Revision 2 (after 1)" in body
    assert "<del>Seniors master Docker</del> → <ins>Docker for seniors</ins>" in body
    assert "<del>set_requirement · docker · senior · E</del>" in body
    assert "<ins>set_requirement · docker · senior · W</ins>" in body
    assert "voting started again" in body
    assert body.index("Revision 3") < body.index("Revision 2")  # newest first


def test_revise_page_works_without_js(client, proposal):
    voter = UserFactory.create()
    vote_cast(proposal=proposal, voter=voter, value=1)
    client.force_login(proposal.author)
    url = f"/proposals/{proposal.pk}/revise/"
    page = client.get(url).content.decode()
    assert "Seniors master Docker" in page
    data = editor_data(page)  # the editor's rows, prefilled
    assert (data["change-0-skill"], data["change-0-code"]) == ("docker", "E")
    response = client.post(url, {**data, "change-0-code": "W", "action": "submit"})
    assert response.status_code == 303
    assert response["Location"].endswith(f"/proposals/{proposal.pk}/#revisions")
    after = client.get(response["Location"]).content.decode()
    assert "1 vote was set aside" in after
    bad = client.post(url, {**data, "change-0-level": "", "action": "submit"})
    assert bad.status_code == 400
    assert "Required for this change." in bad.content.decode()


def test_revise_page_is_the_authors_only(client, proposal):
    client.force_login(UserFactory.create())
    response = client.get(f"/proposals/{proposal.pk}/revise/")
    assert response.status_code == 403


def test_revise_link_shown_to_the_author_while_voting(client, proposal):
    client.force_login(proposal.author)
    assert (
        f"/proposals/{proposal.pk}/revise/"
        in client.get(f"/proposals/{proposal.pk}/").content.decode()
    )
    client.force_login(UserFactory.create())
    assert "/revise/" not in client.get(f"/proposals/{proposal.pk}/").content.decode()


def test_api_revises_and_says_whether_votes_were_set_aside(client, proposal):
    vote_cast(proposal=proposal, voter=UserFactory.create(), value=1)
    client.force_login(proposal.author)
    url = f"/api/v1/proposals/{proposal.pk}/revise/"
    body = {
        "title": "Docker, sharper",
        "rationale": proposal.rationale,
        "changes": [DOCKER_SENIOR_E],
    }
    kept = client.post(url, body, content_type="application/json")
    assert kept.status_code == 200, kept.content
    assert kept.json()["revision"] == 2
    assert (kept.json()["changes_changed"], kept.json()["votes_set_aside"]) == (False, 0)
    assert kept.json()["proposal"]["votes"] == {"up": 1, "down": 0}
    moved = client.post(
        url, {**body, "changes": [DOCKER_SENIOR_W]}, content_type="application/json"
    )
    assert (moved.json()["changes_changed"], moved.json()["votes_set_aside"]) == (True, 1)
    assert moved.json()["proposal"]["votes"] == {"up": 0, "down": 0}
    same = client.post(url, {**body, "changes": [DOCKER_SENIOR_W]}, content_type="application/json")
    assert same.status_code == 400
    client.force_login(UserFactory.create())
    assert client.post(url, body, content_type="application/json").status_code == 403
