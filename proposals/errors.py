"""Domain errors of the proposals app. Each class names its HTTP status
(:class:`skillsmatrix.errors.DomainError`), which the site's page and API handlers answer with;
commands say the message in one line. ``message`` is written for people."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.utils.translation import gettext as _

from skillsmatrix.errors import DomainError, NotFound, RateLimited, minutes_until


class ProposalError(DomainError):
    """A request the proposals domain refuses; ``message`` says why, for people."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(self, message: str) -> None:
        super().__init__(message)


class ProposalInvalid(ProposalError):
    """Bad input: ``errors`` maps each field (``changes[2].level``) to its message, as the API
    says it; ``page_errors`` to what the pages show next to the field, where that is worded
    for members rather than for API clients (a change list's problems)."""

    status = HTTPStatus.BAD_REQUEST

    def __init__(
        self, errors: dict[str, str], *, page_errors: dict[str, str] | None = None
    ) -> None:
        field, message = next(iter(errors.items()))
        super().__init__(f"{field}: {message}")
        self.errors = errors
        self.page_errors = {**errors, **(page_errors or {})}

    def details(self) -> dict[str, Any]:
        return {"errors": self.errors}


class ProposalForbidden(ProposalError):
    """The member may not do this (not verified, the author, not an expert, …)."""

    status = HTTPStatus.FORBIDDEN


class ProposalStateError(ProposalError):
    """The proposal is not in a state that allows this (voting closed, already decided, …)."""

    status = HTTPStatus.CONFLICT


class ProposalLimitReached(ProposalError):
    """A per-member cap from the settings (open proposals, votes per day)."""

    status = HTTPStatus.TOO_MANY_REQUESTS


class VoteNotFound(ProposalError):
    """Retracting a vote that was never cast."""

    status = HTTPStatus.NOT_FOUND


class ProposalNotFound(ProposalError, NotFound):
    """No proposal with that id (or it is hidden as spam)."""

    status = HTTPStatus.NOT_FOUND


class CommentNotFound(ProposalError, NotFound):
    """No comment with that id in the proposal's discussion."""

    status = HTTPStatus.NOT_FOUND


class MemberNotFound(ProposalError, NotFound):
    """No active member with that username."""

    status = HTTPStatus.NOT_FOUND


class ProposalWritesLimited(RateLimited):
    """More proposal writes (votes, comments, reviews, proposals) this minute than
    ``PROPOSAL_WRITES_PER_MINUTE``: one budget per member, pages and API alike."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            _(
                "Too many changes at once. Please wait %(n)d minute(s) before voting, "
                "commenting or proposing again."
            )
            % {"n": minutes_until(retry_after)},
            retry_after=retry_after,
            title=_("Too many changes at once"),
        )


class FlagsLimited(RateLimited):
    """More flags this hour than ``FLAGS_PER_HOUR``: one budget per member, pages and API
    alike."""

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            _(
                "You have flagged a lot in a short time. Please wait %(n)d minute(s) before "
                "flagging again."
            )
            % {"n": minutes_until(retry_after)},
            retry_after=retry_after,
            title=_("Too many flags at once"),
        )
