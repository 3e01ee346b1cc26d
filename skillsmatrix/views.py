"""Project-wide views: liveness and readiness, the rate-limited sign-in and the error pages
(JSON under ``/api/``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from skillsmatrix.parsers import request_too_large_message
from skillsmatrix.ratelimit import client_key, minutes_until, rate_limit_hit, too_many_requests


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
    cache.set("readyz", "1", 5)
    return "ok" if cache.get("readyz") == "1" else "unavailable"


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


def sign_in_rate_limited(
    view: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Limit a sign-in view's attempts, failed and successful alike, per client, so passwords
    cannot be guessed at speed. The site's and the admin's sign-in share one budget."""

    @wraps(view)
    def limited(request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST":
            retry_after = rate_limit_hit(
                scope="login",
                key=client_key(request),
                limit=settings.LOGIN_ATTEMPTS_PER_15_MINUTES,
                window_seconds=15 * 60,
            )
            if retry_after is not None:
                minutes = minutes_until(retry_after)
                return too_many_requests(
                    request,
                    retry_after=retry_after,
                    title=_("Too many sign-in attempts"),
                    message=ngettext(
                        "Please wait %(count)d minute before trying to sign in again.",
                        "Please wait %(count)d minutes before trying to sign in again.",
                        minutes,
                    )
                    % {"count": minutes},
                    back_url=reverse("roles:catalogue"),
                    back_label=_("Browse all roles"),
                )
        return view(request)

    return limited


@sensitive_post_parameters()
@csrf_protect
@never_cache
@sign_in_rate_limited
def login(request: HttpRequest) -> HttpResponseBase:
    """Django's sign-in, rate-limited."""
    return LoginView.as_view()(request)


@sign_in_rate_limited
def admin_login(request: HttpRequest) -> HttpResponseBase:
    """The admin's sign-in (which protects itself against CSRF and caching), rate-limited."""
    return admin.site.login(request)


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
