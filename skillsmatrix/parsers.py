"""The API's JSON parser (its own module: DRF loads it while ``rest_framework.views`` imports)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

from skillsmatrix.safejson import JSONInputError, load_json


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Request body too large."
    default_code = "request_too_large"


def request_too_large_message() -> str:
    return _("The request body is larger than %(limit)d bytes.") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with bounds: at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes (413 past
    it), and the nesting, number and text checks of :func:`skillsmatrix.safejson.load_json`, so
    hostile JSON is a 400 naming where the problem is, never a 500."""

    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(request_too_large_message())
        try:
            return load_json(raw)
        except JSONInputError as exc:
            raise ParseError(_("JSON parse error: %(problem)s") % {"problem": exc}) from None
