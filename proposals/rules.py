"""The proposal lifecycle's decision rules (DESIGN §5), pure: plain values in, plain values out.

Nothing here reads settings or touches the database: the services read ``VOTING_QUORUM``,
``VOTING_APPROVAL_RATIO`` and ``REVIEW_APPROVALS`` and pass them in, so each rule is stated once
and tested on its own. The statuses are the values of ``proposals.models.ProposalStatus``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

K = TypeVar("K")

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


def review_domains_pending(*, approvals: Mapping[K, int], needed: int) -> list[K]:
    """The domains a proposal in review still waits on: ``approvals`` maps each domain it
    touches (whatever stands for a part in no domain included) to the approvals of experts
    who may approve it there (its own experts and global experts); a domain with fewer than
    ``needed`` is pending."""
    return [domain for domain, count in approvals.items() if count < needed]


def review_approved(*, approvals: Mapping[K, int], needed: int) -> bool:
    """Enough experts approved a proposal in review for it to be applied: every domain it
    touches has ``needed`` approvals of its experts or of global experts (DESIGN §5), so an
    expert of one domain never carries another's changes. Nothing touched, nothing approved."""
    return bool(approvals) and not review_domains_pending(approvals=approvals, needed=needed)


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
