"""The kinds of domain error the site's plumbing maps to HTTP, whichever app raises them.

Each app's errors derive from these (``roles.errors.RoleNotFound`` is a :class:`NotFound`), so
the API's exception handler and the 404 middleware answer them without importing any app: the
site's helpers sit below the apps (DESIGN §3).
"""

from __future__ import annotations


class NotFound(LookupError):
    """Something a visitor asked for by name that does not exist (or is not public): a 404."""


class ConflictError(Exception):
    """A change the current state refuses because it moved on since the change was written:
    a 409."""
