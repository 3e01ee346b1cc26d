"""The proposal-writes rate limit: one budget per member for the pages and the API."""

from __future__ import annotations

from django.conf import settings

from proposals.errors import ProposalWritesLimited
from skillsmatrix.ratelimit import rate_limit_hit


def proposal_writes_count(*, key: str) -> None:
    """Count one proposal write (vote, comment, review, proposal) of ``key`` (``user:<pk>``,
    or ``ip:<address>``); raise :class:`ProposalWritesLimited` past
    ``PROPOSAL_WRITES_PER_MINUTE`` of them this minute."""
    retry_after = rate_limit_hit(
        scope="proposal-writes",
        key=key,
        limit=settings.PROPOSAL_WRITES_PER_MINUTE,
        window_seconds=60,
    )
    if retry_after is not None:
        raise ProposalWritesLimited(retry_after=retry_after)
