"""Site-wide middleware: the apps' "not found" domain errors become the site's 404 page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.views.defaults import page_not_found

from skillsmatrix.errors import NotFound


class DomainNotFoundMiddleware:
    """Selectors raise domain errors (``RoleNotFound`` …), never ``Http404``; a view that lets
    one through answers with the 404 page. (The API's exception handler does the same in JSON.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return page_not_found(request, Http404(str(exception)))
        return None
