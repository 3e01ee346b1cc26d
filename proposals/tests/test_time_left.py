"""How long voting stays open, in words (proposals.templatetags.proposal_tags)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def _closing_in(proposal, delta: timedelta) -> Proposal:
    Proposal.objects.filter(pk=proposal.pk).update(closes_at=timezone.now() + delta)
    proposal.refresh_from_db()
    return proposal


def test_the_last_minute_says_less_than_a_minute(client, proposal):
    _closing_in(proposal, timedelta(seconds=40))
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "less than a minute left" in html
    assert "0\xa0minutes" not in html


def test_longer_says_how_long(client, proposal):
    _closing_in(proposal, timedelta(minutes=1, seconds=50))
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "1\xa0minute left" in html  # timeuntil keeps number and unit together


def test_the_list_says_it_too(client, proposal):
    _closing_in(proposal, timedelta(seconds=40))
    html = client.get("/proposals/").content.decode()
    assert "less than a minute left" in html
