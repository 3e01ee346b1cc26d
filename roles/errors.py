"""Domain errors of the roles app. Selectors and services raise these, never HTTP exceptions.
Each class names its HTTP status (:class:`skillsmatrix.errors.DomainError`), which the site's
page and API handlers answer with: :class:`NotFound` a 404, :class:`RoleChangeError` a 400,
:class:`ChangeConflict` a 409; commands say the message in one line."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus

# NotFound is the kind the site's plumbing answers with a 404 without importing this app.
from skillsmatrix.errors import DomainError, NotFound


class RoleNotFound(NotFound):
    pass


class FrameworkNotFound(NotFound):
    pass


class RoleVersionNotFound(NotFound):
    pass


class CellNotFound(NotFound):
    pass


class RoleChangeError(DomainError, ValueError):
    """A change to a role that the domain refuses (the message says why)."""

    status = HTTPStatus.BAD_REQUEST


class ChangeConflict(RoleChangeError):
    """A change set written against an older version touches places changed since then.

    ``conflicts`` pairs each place (``cell:docker:senior``, ``skill:docker`` …) with the number
    of the first later version that changed it. Nothing was written."""

    status = HTTPStatus.CONFLICT

    def __init__(self, *, base_version: int, conflicts: Sequence[tuple[str, int]]) -> None:
        self.base_version = base_version
        self.conflicts = list(conflicts)
        described = ", ".join(f"{place} (version {number})" for place, number in self.conflicts)
        super().__init__(f"changed since version {base_version}: {described}")

    @property
    def places(self) -> list[str]:
        return [place for place, _number in self.conflicts]
