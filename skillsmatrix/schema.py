"""The OpenAPI schema tells the truth about errors: every operation documents the error statuses
it can answer, each with the JSON error body (DESIGN §7), so no view repeats them — and the
server's own 414 for a request line too long for it, which is HTML (it never reaches Django)."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import ComponentRegistry
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny

_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# Inline: a Serializer subclass cannot declare a field named ``errors`` (its own attribute).
ERROR_SERIALIZER = inline_serializer(
    name="Error",
    fields={
        "message": serializers.CharField(help_text="One line saying what is wrong, and where."),
        "errors": serializers.JSONField(
            required=False,
            help_text="Invalid input only: the problems by field (for a map, by key).",
        ),
        "error_count": serializers.IntegerField(
            required=False,
            min_value=1,
            help_text="When only the first few problems are listed: how many there are in all.",
        ),
    },
)


# gunicorn's limit (gunicorn.conf.py): past it gunicorn answers itself, before the application.
REQUEST_LINE_LIMIT = 4094


def _uri_too_long() -> dict[str, Any]:
    return {
        "description": (
            f"The request line (method, path and query) is longer than {REQUEST_LINE_LIMIT} "
            "bytes: the server refuses it before the API sees it, with a small HTML page rather "
            "than the JSON error body. Send long input in a request body instead."
        ),
        "content": {"text/html": {"schema": {"type": "string"}}},
    }


def _header(description: str) -> dict[str, Any]:
    return {"schema": {"type": "string"}, "description": description, "required": True}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's schema, plus the error responses each operation can give."""

    def error_statuses(self, operation: dict[str, Any]) -> dict[str, str]:
        """The statuses this operation can answer with an error body, and why: those that follow
        from how DRF runs it, plus any the view names in ``error_statuses`` (say, a 409)."""
        statuses: dict[str, str] = {}
        has_body = "requestBody" in operation
        if has_body:
            statuses["400"] = "Invalid input; the message says what is wrong and where."
        if self.view.authentication_classes:
            statuses["401"] = "The Authorization token is not valid."
        guarded = any(permission is not AllowAny for permission in self.view.permission_classes)
        if self.method in _UNSAFE_METHODS or guarded:
            statuses["403"] = "Not allowed (or, for a browser session, no valid CSRF token)."
        if "{" in self.path or self._get_paginator():  # type: ignore[no-untyped-call] # spectacular
            statuses["404"] = "No such object (or, for a list, no such page)."
        if has_body:
            statuses["413"] = "The request body is too large."
            statuses["415"] = "The request body is not JSON."
        if self.view.throttle_classes:
            statuses["429"] = "Too many requests; wait as many seconds as Retry-After says."
        statuses.update(getattr(self.view, "error_statuses", {}))
        return dict(sorted(statuses.items()))

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = self.resolve_serializer(ERROR_SERIALIZER, "response").ref
        responses = operation["responses"]
        for status, description in self.error_statuses(operation).items():
            response: dict[str, Any] = {
                "description": description,
                "content": {"application/json": {"schema": error}},
            }
            if status == "401":
                response["headers"] = {"WWW-Authenticate": _header("The scheme to use: Token.")}
            elif status == "429":
                response["headers"] = {"Retry-After": _header("Seconds to wait.")}
            responses.setdefault(status, response)
        responses.setdefault("414", _uri_too_long())
        operation["responses"] = dict(sorted(responses.items()))
        return operation
