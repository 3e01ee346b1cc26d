"""Project-wide views: liveness and readiness."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
