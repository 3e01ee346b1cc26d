"""The pages' handler of domain errors (the API's is :func:`skillsmatrix.api.exception_handler`).

A view that says a refusal in place (a form, a fragment) renders ``exc.message`` with
``exc.status`` itself; any other refusal is :func:`refusal_page`, which the views call where they
know the way back, and :class:`skillsmatrix.middleware.DomainErrorMiddleware` for an error a view
lets through.
"""

from __future__ import annotations

from http import HTTPStatus

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found

from skillsmatrix.errors import DomainError, RateLimited


def refusal_page(
    request: HttpRequest, exc: DomainError, *, back_url: str = "", back_label: str = ""
) -> HttpResponse:
    """The page answering a refused request: the site's 404 page for what is not found, else
    the error's message with its status and headers (a rate limit's ``Retry-After``), and a way
    back (by default, to the catalogue)."""
    if exc.status == HTTPStatus.NOT_FOUND:
        return page_not_found(request, Http404(exc.message))
    if not back_url:
        back_url, back_label = reverse("roles:catalogue"), _("Browse all roles")
    context = {
        "title": exc.title if isinstance(exc, RateLimited) else _("Request refused"),
        "message": exc.message,
        "back_url": back_url,
        "back_label": back_label,
    }
    response = render(request, "refusal.html", context, status=exc.status)
    for name, value in exc.headers().items():
        response[name] = value
    return response
