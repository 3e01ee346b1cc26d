"""Domain errors of the roles app. Selectors and services raise these, never HTTP exceptions:
views and APIs turn :class:`NotFound` into a 404 and :class:`ChangeConflict` into a 409,
commands into a one-line message."""

from __future__ import annotations

from collections.abc import Sequence

# The kinds the site maps to 404 and 409 without importing this app.
from skillsmatrix.errors import ConflictError, NotFound


class RoleNotFound(NotFound):
    pass


class RoleVersionNotFound(NotFound):
    pass


class CellNotFound(NotFound):
    pass


class RoleChangeError(ValueError):
    """A change to a role that the domain refuses (the message says why)."""


class ChangeConflict(RoleChangeError, ConflictError):
    """A change set written against an older version touches places changed since then.

    ``conflicts`` pairs each place (``cell:docker:senior``, ``skill:docker`` …) with the number
    of the first later version that changed it. Nothing was written."""

    def __init__(self, *, base_version: int, conflicts: Sequence[tuple[str, int]]) -> None:
        self.base_version = base_version
        self.conflicts = list(conflicts)
        described = ", ".join(f"{place} (version {number})" for place, number in self.conflicts)
        super().__init__(f"changed since version {base_version}: {described}")

    @property
    def places(self) -> list[str]:
        return [place for place, _number in self.conflicts]
