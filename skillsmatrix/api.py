"""API plumbing shared by every app: errors are JSON objects with a ``message``."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from roles.errors import ChangeConflict, NotFound


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "Conflict."
    default_code = "conflict"


def _first_message(detail: Any, path: str = "") -> str:
    if isinstance(detail, dict):
        key, value = next(iter(detail.items()))
        prefix = "" if key == "non_field_errors" else f"{path}{key}"
        return _first_message(value, f"{prefix}." if prefix else "")
    if isinstance(detail, list) and detail:
        return _first_message(detail[0], path)
    text = str(detail)
    return f"{path[:-1]}: {text}" if path else text


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a one-line ``message`` added to every error body. The apps' domain
    errors map to HTTP: not found → 404, a change conflict → 409."""
    if isinstance(exc, NotFound):
        exc = exceptions.NotFound(str(exc))
    elif isinstance(exc, ChangeConflict):
        exc = Conflict(str(exc))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"message": _first_message(exc.detail), "errors": exc.detail}
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"message": str(response.data["detail"])}
    return response
