"""Domain errors of the grading app. Each class names its HTTP status
(:class:`skillsmatrix.errors.DomainError`), which the site's page and API handlers answer with."""

from __future__ import annotations

from http import HTTPStatus

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from skillsmatrix.errors import DomainError, NotFound, RateLimited, minutes_until


class AssessmentNotFound(NotFound):
    """No assessment with that share token."""


class AssessmentError(DomainError, ValueError):
    """Ratings that cannot be stored (none at all, unknown skill, bad code, a role without a
    version)."""

    status = HTTPStatus.BAD_REQUEST


class ShareLinksLimited(RateLimited):
    """More share links from one client this hour than ``GRADING_SHARE_LINKS_PER_HOUR``."""

    def __init__(self, *, retry_after: int) -> None:
        minutes = minutes_until(retry_after)
        super().__init__(
            ngettext(
                "You have created a lot of share links in the last hour. "
                "Please try again in %(count)d minute.",
                "You have created a lot of share links in the last hour. "
                "Please try again in %(count)d minutes.",
                minutes,
            )
            % {"count": minutes},
            retry_after=retry_after,
            title=_("Too many share links"),
        )
