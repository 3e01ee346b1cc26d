"""What a refused request answers, said once per kind of refusal.

Selectors and services raise :class:`DomainError` subclasses, never HTTP exceptions. Each class
names its HTTP category (``status``, a stdlib :class:`~http.HTTPStatus`: the domain modules need
no Django HTTP) and each error carries its message for people (``message``). Two handlers read
them, and nothing else maps errors to HTTP: :func:`skillsmatrix.refusals.refusal_page` for pages
(the views that say a refusal in place use ``status`` and ``message`` themselves) and
:func:`skillsmatrix.api.exception_handler` for the API.

No Django imports here: the apps' error modules build on this one.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar


class DomainError(Exception):
    """A request the domain refuses. ``message`` (the error's text) says why, for people."""

    status: ClassVar[HTTPStatus] = HTTPStatus.BAD_REQUEST

    @property
    def message(self) -> str:
        return str(self)

    def details(self) -> dict[str, Any]:
        """What the API's JSON answer has besides ``message`` (per-field problems …)."""
        return {}

    def headers(self) -> dict[str, str]:
        """The HTTP headers that go with the answer, on pages and API alike."""
        return {}


def minutes_until(retry_after: int) -> int:
    """Seconds to wait, as the whole minutes a message says (at least one)."""
    return max(1, round(retry_after / 60))


class RateLimited(DomainError):
    """A rate limit's window is full: wait ``retry_after`` seconds. ``title`` heads the page
    that says so."""

    status = HTTPStatus.TOO_MANY_REQUESTS

    def __init__(self, message: str, *, retry_after: int, title: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.title = title

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class NotFound(DomainError, LookupError):
    """Something a visitor asked for by name that does not exist (or is not public): a 404,
    whichever app raises it (the 404 middleware answers it without importing the app)."""

    status = HTTPStatus.NOT_FOUND
