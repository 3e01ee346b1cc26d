"""Site-wide middleware: a domain error a view lets through becomes the page that says so."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
