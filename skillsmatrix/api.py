"""API plumbing shared by every app: errors are JSON objects with a ``message``."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from skillsmatrix.errors import DomainError


class Pagination(PageNumberPagination):
    """DRF's page numbers, except that an empty ``?page=`` is an invalid page (404) like any
    other non-number, rather than the first page."""

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        if request.query_params.get(self.page_query_param) == "":
            raise exceptions.NotFound(self.invalid_page_message)
        return super().get_page_number(request, paginator)


class StrictCharField(serializers.CharField):
    """A text field that takes only JSON strings, as the schema (``type: string``) says: DRF's
    ``CharField`` also took numbers and made them text (``"rationale": 0`` was ``"0"``)."""

    default_error_messages: ClassVar[dict[str, Any]] = {"not_a_string": _("Not a valid string.")}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return str(super().to_internal_value(data))


class StrictSlugField(StrictCharField, serializers.SlugField):
    """``SlugField``, taking only strings (:class:`StrictCharField`)."""


class StrictURLField(StrictCharField, serializers.URLField):
    """``URLField``, taking only strings (:class:`StrictCharField`)."""


class StrictBooleanField(serializers.BooleanField):
    """A yes or no that takes only JSON ``true`` and ``false``, as the schema (``type: boolean``)
    says: DRF's ``BooleanField`` also took ``"false"``, ``0`` and ``"off"``."""

    default_error_messages: ClassVar[dict[str, Any]] = {
        "not_a_boolean": _("Must be true or false.")
    }

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("not_a_boolean")
        return data


class ListApi(APIView):
    # A paginated list operation: ``{count, next, previous, results}``. Its schema says so, as
    # drf-spectacular wraps the documented item serializer when a view has a paginator. (No
    # docstring: the schema would show it as every list operation's description.)

    pagination_class = Pagination

    def paginate(
        self,
        request: Request,
        queryset: QuerySet[Any],
        serializer_class: type[serializers.Serializer[Any]],
    ) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _first_message(detail: Any, path: str = "") -> str:
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        prefix = "" if key == "non_field_errors" else f"{path}{key}"
        return _first_message(value, f"{prefix}." if prefix else "")
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], path)
    text = str(detail)
    return f"{path[:-1]}: {text}" if path else text


class InputError(exceptions.ValidationError):
    """A 400 whose one-line message is given, for errors that report a few problems of many
    (the message then says how many there are)."""

    def __init__(self, message: str, detail: Any, *, count: int | None = None) -> None:
        super().__init__(detail)
        self.message = message
        self.count = count


def domain_error_response(exc: DomainError) -> Response:
    """The JSON answer to a request the domain refused: the error's status and headers,
    ``{"message": …}`` and its details (``errors`` per field …)."""
    set_rollback()  # as DRF does for its own exceptions, should requests be atomic
    return Response(
        {"message": exc.message, **exc.details()}, status=exc.status, headers=exc.headers()
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a one-line ``message`` added to every error body; the apps' domain
    errors answer with their own status and message (:func:`domain_error_response`)."""
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, InputError):
        response.data = {"message": exc.message, "errors": exc.detail}
        if exc.count is not None:
            response.data["error_count"] = exc.count
    elif isinstance(exc, exceptions.ValidationError):
        response.data = {"message": _first_message(exc.detail), "errors": exc.detail}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response
