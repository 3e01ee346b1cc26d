"""Site-wide middleware: a domain error a view lets through becomes the page that says so; a
read that lost its database connection runs again on a fresh one; every answer carries the
site's ``Permissions-Policy``."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from skillsmatrix.db import connection_lost
from skillsmatrix.errors import DomainError
from skillsmatrix.refusals import refusal_page


class DomainErrorMiddleware:
    """Selectors and services raise domain errors (``RoleNotFound`` …), never ``Http404``; a view
    that lets one through answers with :func:`~skillsmatrix.refusals.refusal_page` (the 404 page
    for what is not found). The API's exception handler does the same in JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return refusal_page(request, exception)
        return None


_SAFE_METHODS = frozenset({"GET", "HEAD"})


class LostConnectionRetryMiddleware:
    """A GET or HEAD whose view lost its database connection (PostgreSQL restarted or dropped
    it mid-request: :func:`skillsmatrix.db.connection_lost`) runs once more, on a fresh
    connection, instead of answering 500. Writes are never run again: they may have committed.

    Last in ``MIDDLEWARE``, so only the view runs again (with the view middleware and its
    exception handling), not the rest of the request's middleware. Its ``process_exception``
    marks the request and answers with a placeholder, which ``__call__`` replaces by the
    second run's answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_lost_connection", False):
            request._lost_connection = False  # type: ignore[attr-defined]
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if (
            request.method in _SAFE_METHODS
            and not getattr(request, "_retried_lost_connection", False)
            and connection_lost(exception)
        ):
            request._lost_connection = True  # type: ignore[attr-defined]
            request._retried_lost_connection = True  # type: ignore[attr-defined]
            return HttpResponse(status=503)  # replaced by the second run's answer
        return None


class PermissionsPolicyMiddleware:
    """Every answer says which browser features the site's pages may use: none of the
    powerful ones (``PERMISSIONS_POLICY``: camera, microphone, location, payment, …), so an
    injected script or a framed page cannot ask for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
