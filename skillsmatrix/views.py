"""Project-wide views: liveness and readiness, and the error pages (JSON under ``/api/``).
Sign-in and the other account pages live in :mod:`skillsmatrix.accounts`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skillsmatrix.parsers import request_too_large_message
from skillsmatrix.ratelimit import cache_reachable


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up; touches nothing else."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache() -> str:
    return "ok" if cache_reachable() else "unavailable"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    from skillsmatrix.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker, each ``ok`` or the reason it is not; 503 if any fails."""
    checks = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
    ready = all(value in {"ok", "eager"} for value in results.values())
    return JsonResponse({"ready": ready, **results}, status=200 if ready else 503)


# --- Error pages: the API answers every error in JSON with a message (DESIGN §7) -------------


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return JsonResponse({"message": request_too_large_message()}, status=413)
    return JsonResponse({"message": _("Bad request.")}, status=400)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"message": _("Not found.")}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    return JsonResponse({"message": _("Server error.")}, status=500)
