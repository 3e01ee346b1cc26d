"""Request types for the type checker."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it: ``request.htmx`` is always set."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HttpRequest):
    """A request past ``login_required``: ``request.user`` is a member, never anonymous."""

    user: User
