"""Domain errors of the proposals app. Views, APIs and commands map them to 4xx answers and
one-line messages; ``message`` is written for people."""

from __future__ import annotations


class ProposalError(Exception):
    """A request the proposals domain refuses; ``message`` says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProposalInvalid(ProposalError):
    """Bad input: ``errors`` maps each field (``changes[2].level``) to its message, as the API
    says it; ``page_errors`` to what the pages show next to the field, where that is worded
    for members rather than for API clients (a change list's problems)."""

    def __init__(
        self, errors: dict[str, str], *, page_errors: dict[str, str] | None = None
    ) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(f"{field}: {message}")
        self.errors = errors
        self.page_errors = {**errors, **(page_errors or {})}


class ProposalForbidden(ProposalError):
    """The member may not do this (not verified, the author, not an expert, …)."""


class ProposalStateError(ProposalError):
    """The proposal is not in a state that allows this (voting closed, already decided, …)."""


class ProposalLimitReached(ProposalError):
    """A per-member cap from the settings (open proposals, votes per day)."""


class VoteNotFound(ProposalError):
    """Retracting a vote that was never cast."""


class ProposalNotFound(ProposalError):
    """No proposal with that id (or it is hidden as spam)."""
