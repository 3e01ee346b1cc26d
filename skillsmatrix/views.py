"""Project-wide views: liveness and readiness, and the error pages (JSON under ``/api/``).
Sign-in and the other account pages live in :mod:`skillsmatrix.accounts`."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from skillsmatrix.cache import BreakerRedis
from skillsmatrix.observability import request_id_current
from skillsmatrix.parsers import request_too_large_message


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
    """A write and a read (django-redis hides an outage as misses; an open circuit answers
    at once)."""
    cache.set("cache-probe", "1", 5)
    return "ok" if cache.get("cache-probe") == "1" else "unavailable"


_broker_clients: dict[str, Any] = {}


def _check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "eager"
    timeout = min(settings.REDIS_SOCKET_TIMEOUT, settings.READYZ_TIMEOUT)
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Through the breaker of that Redis: when the cache found it hung a moment ago, the
        # answer is immediate. One client (and connection pool) per process.
        client = _broker_clients.get(url)
        if client is None:
            client = _broker_clients.setdefault(
                url,
                BreakerRedis.from_url(
                    url,
                    socket_timeout=timeout,
                    socket_connect_timeout=min(settings.REDIS_CONNECT_TIMEOUT, timeout),
                ),
            )
        try:
            client.ping()
        except redis.exceptions.RedisError:
            return "unavailable"
        return "ok"
    from skillsmatrix.celery import app

    with app.connection_for_write(connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=0)  # one attempt, within connect_timeout
    return "ok"


# Cache and broker are checked on one of these threads, within the overall deadline: a check
# that hangs past it is answered "timeout", and hung checks can never hold more than two threads.
_checks_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="readyz")
_readiness_lock = threading.Lock()
_last_readiness: tuple[float, dict[str, str]] | None = None
_PARTS = ("database", "cache", "broker")


def _outcome(check: Any) -> str:
    try:
        return str(check())
    except Exception as exc:
        return f"error: {type(exc).__name__}"


def _check_cache_then_broker(results: dict[str, str]) -> None:
    # One after the other: when both live on one Redis, the cache's call opens (or, as the
    # half-open probe, closes) the circuit the broker's call then finds.
    results["cache"] = _outcome(_check_cache)
    results["broker"] = _outcome(_check_broker)


def _readiness_checked() -> dict[str, str]:
    deadline = time.monotonic() + settings.READYZ_TIMEOUT
    results: dict[str, str] = {}
    future: Future[None] = _checks_pool.submit(_check_cache_then_broker, results)
    # The database on the request's own connection (the request cycle looks after it).
    database = _outcome(_check_database)
    try:
        future.result(timeout=max(0.0, deadline - time.monotonic()))
    except FutureTimeout:
        future.cancel()
    answer = dict(results)  # a copy: a late check must not change an answer already given
    return {"database": database} | {name: answer.get(name, "timeout") for name in _PARTS[1:]}


def _readiness() -> dict[str, str]:
    """The parts' states, checked at most once per ``READYZ_CACHE_SECONDS`` per process: a flood
    of calls shares one check instead of fanning out to the database, Redis and the broker."""
    global _last_readiness  # the process's last answer
    last = _last_readiness
    if last is not None and time.monotonic() - last[0] < settings.READYZ_CACHE_SECONDS:
        return last[1]
    if not _readiness_lock.acquire(timeout=settings.READYZ_TIMEOUT):
        # Another thread has been checking for the whole deadline: it is hung somewhere.
        return last[1] if last is not None else dict.fromkeys(_PARTS, "timeout")
    try:
        last = _last_readiness
        if last is not None and time.monotonic() - last[0] < settings.READYZ_CACHE_SECONDS:
            return last[1]
        results = _readiness_checked()
        _last_readiness = (time.monotonic(), results)
        return results
    finally:
        _readiness_lock.release()


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database, cache and broker, each ``ok`` (``eager`` for no broker) or the reason it is
    not; 503 if any fails. Answers within ``READYZ_TIMEOUT`` whatever state they are in."""
    results = _readiness()
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
    """The 500 page (JSON under ``/api/``), with the request id a person can quote. Rendered
    without the request's context processors: they may need what just failed."""
    request_id = request_id_current()
    if not _is_api(request):
        page = loader.get_template("500.html").render({"request_id": request_id})
        return HttpResponseServerError(page)
    return JsonResponse({"message": _("Server error."), "request_id": request_id}, status=500)
