"""The decision rules of proposals/rules.py (DESIGN §5): pure, so no database here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from proposals import rules
from proposals.models import ProposalStatus
from proposals.rules import (
    decision_for,
    review_approved,
    review_domains_pending,
    voting_has_ended,
)

# The defaults of VOTING_QUORUM and VOTING_APPROVAL_RATIO.
QUORUM, RATIO = 5, 0.66


def test_the_rules_speak_the_models_statuses():
    assert rules.EXPIRED == ProposalStatus.EXPIRED
    assert rules.REJECTED == ProposalStatus.REJECTED
    assert rules.IN_REVIEW == ProposalStatus.IN_REVIEW


# --- The decision at the close of voting ---


@pytest.mark.parametrize(
    ("up", "down", "status"),
    [
        (4, 0, "expired"),  # below the quorum of 5
        (3, 2, "rejected"),  # 0.6 < 0.66
        (4, 2, "in_review"),  # 0.667 >= 0.66
        (5, 0, "in_review"),
        (0, 5, "rejected"),
    ],
)
def test_the_default_rule(up, down, status):
    assert decision_for(up=up, down=down, quorum=QUORUM, approval_ratio=RATIO) == status


def test_fewer_votes_than_the_quorum_expire_whatever_their_share():
    assert decision_for(up=4, down=0, quorum=5, approval_ratio=0.5) == "expired"
    assert decision_for(up=0, down=4, quorum=5, approval_ratio=0.5) == "expired"


def test_exactly_the_quorum_is_decided_on_its_share():
    # Up and down votes both count towards the quorum.
    assert decision_for(up=3, down=2, quorum=5, approval_ratio=0.5) == "in_review"
    assert decision_for(up=2, down=3, quorum=5, approval_ratio=0.5) == "rejected"
    assert decision_for(up=1, down=0, quorum=1, approval_ratio=1.0) == "in_review"


def test_exactly_the_approval_ratio_passes():
    assert decision_for(up=3, down=1, quorum=4, approval_ratio=0.75) == "in_review"
    # The default ratio: 33 of 50 is 0.66.
    assert decision_for(up=33, down=17, quorum=QUORUM, approval_ratio=RATIO) == "in_review"


def test_just_below_the_approval_ratio_is_rejected():
    assert decision_for(up=2, down=1, quorum=3, approval_ratio=0.67) == "rejected"
    assert decision_for(up=65, down=35, quorum=QUORUM, approval_ratio=RATIO) == "rejected"


def test_the_approval_ratio_is_the_share_of_up_votes_among_all_votes():
    # 6 of 10 up: 0.6 of all votes (but 1.5 times the down votes).
    assert decision_for(up=6, down=4, quorum=5, approval_ratio=0.6) == "in_review"
    assert decision_for(up=6, down=4, quorum=5, approval_ratio=0.61) == "rejected"


def test_a_ratio_of_zero_sends_every_quorate_proposal_to_review():
    assert decision_for(up=0, down=7, quorum=5, approval_ratio=0.0) == "in_review"


def test_a_ratio_of_one_needs_every_vote_up():
    assert decision_for(up=9, down=0, quorum=5, approval_ratio=1.0) == "in_review"
    assert decision_for(up=9, down=1, quorum=5, approval_ratio=1.0) == "rejected"


# --- When voting ends ---

CLOSES_AT = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_voting_has_not_ended_before_its_closing_time():
    now = CLOSES_AT - timedelta(microseconds=1)
    assert voting_has_ended(closes_at=CLOSES_AT, now=now) is False


def test_voting_ends_at_its_closing_time_exactly():
    assert voting_has_ended(closes_at=CLOSES_AT, now=CLOSES_AT) is True
    assert voting_has_ended(closes_at=CLOSES_AT, now=CLOSES_AT + timedelta(days=3)) is True


# --- Expert review ---


def test_review_applies_with_exactly_the_approvals_needed():
    assert review_approved(approvals={"cloud": 2}, needed=2) is True
    assert review_approved(approvals={"cloud": 3}, needed=2) is True


def test_review_waits_while_approvals_are_short():
    assert review_approved(approvals={"cloud": 1}, needed=2) is False
    assert review_approved(approvals={"cloud": 0}, needed=1) is False
    assert review_approved(approvals={}, needed=1) is False


def test_every_touched_domain_needs_its_own_approvals():
    """A cloud approval does not carry the security change beside it (issue 18)."""
    approvals = {"cloud": 1, "security": 0, None: 1}
    assert review_approved(approvals=approvals, needed=1) is False
    assert review_domains_pending(approvals=approvals, needed=1) == ["security"]
    assert review_approved(approvals={**approvals, "security": 1}, needed=1) is True
