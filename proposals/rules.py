"""The proposal lifecycle's decision rules (DESIGN §5), pure: plain values in, plain values out.

Nothing here reads settings or touches the database: the services read ``VOTING_QUORUM``,
``VOTING_APPROVAL_RATIO`` and ``REVIEW_APPROVALS`` and pass them in, so each rule is stated once
and tested on its own. The statuses are the values of ``proposals.models.ProposalStatus``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

EXPIRED = "expired"
REJECTED = "rejected"
IN_REVIEW = "in_review"


def decision_for(*, up: int, down: int, quorum: int, approval_ratio: float) -> str:
    """The status a proposal gets when voting closes with ``up`` and ``down`` votes: expired
    with fewer than ``quorum`` votes (at least 1), rejected when the share of up votes is below
    ``approval_ratio``, otherwise in review (a share exactly at the ratio passes)."""
    votes = up + down
    if votes < quorum:
        return EXPIRED
    if up / votes < approval_ratio:
        return REJECTED
    return IN_REVIEW


def voting_has_ended(*, closes_at: datetime, now: datetime) -> bool:
    """Voting ends at ``closes_at``: from that moment on (included) no vote is taken and the
    proposal is due to be closed."""
    return closes_at <= now


def review_approved(*, approvals: int, needed: int) -> bool:
    """Enough experts approved a proposal in review for it to be applied."""
    return approvals >= needed


@dataclass(frozen=True)
class Standing:
    """Where a vote stands against the rule: how many votes there are of the ``quorum``
    needed, the share of up votes (None before the first vote) of the ``approval_ratio``
    needed, and the status ``decision_for`` would give if voting closed now."""

    votes: int
    quorum: int
    up_share: float | None
    approval_ratio: float
    outcome: str


def standing(*, up: int, down: int, quorum: int, approval_ratio: float) -> Standing:
    """The vote as it stands now, in the rule's terms (see :func:`decision_for`)."""
    votes = up + down
    return Standing(
        votes=votes,
        quorum=max(quorum, 1),
        up_share=up / votes if votes else None,
        approval_ratio=approval_ratio,
        outcome=decision_for(up=up, down=down, quorum=quorum, approval_ratio=approval_ratio),
    )
