"""The proposal-writes and flags rate limits: one budget each per member for the pages and the
API."""

from __future__ import annotations

from django.conf import settings

from proposals.errors import FlagsLimited, ProposalWritesLimited
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


def flag_writes_count(*, key: str) -> None:
    """Count one flag of ``key`` (as :func:`proposal_writes_count`); raise
    :class:`FlagsLimited` past ``FLAGS_PER_HOUR`` of them this hour. A flag is a proposal
    write too: callers count both."""
    retry_after = rate_limit_hit(
        scope="flags", key=key, limit=settings.FLAGS_PER_HOUR, window_seconds=3600
    )
    if retry_after is not None:
        raise FlagsLimited(retry_after=retry_after)
