"""Request ids, the log line of each request and task, and their metrics (docs/observability.md).

* Every request has an id: the ``X-Request-ID`` it came with when that is a sane one (a proxy's
  or load balancer's), else a new UUID. It is answered in the response's ``X-Request-ID``,
  shown on the 500 page, put on every log record made while the request runs, sent along with
  the Celery tasks the request sends (a message header) and put on the task's log records too.
* :class:`RequestObservabilityMiddleware` (the first middleware) times each request into
  ``skillsmatrix_http_request_duration_seconds`` and logs one line for it on the
  ``skillsmatrix.request`` logger: method, route, path, status, duration, request id and the
  member's id. Never a query string (tokens and addresses travel in them), never an email
  address: the path's captured values that are keys or tokens, and anything shaped like an
  email address, are masked.
* Celery's signals do the same for tasks: a line per run on ``skillsmatrix.task`` and the
  ``skillsmatrix_celery_*`` metrics, in the worker (and in the web process for eager tasks).

Outside a request or task (management commands, beat) the request id is None: every log record
still has the attribute, so no formatter breaks.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from celery import signals
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from skillsmatrix import metrics

REQUEST_ID_HEADER = "X-Request-ID"
# Ids of proxies and tracing systems (UUIDs, nginx's 32 hex digits, …); anything longer or with
# other characters (spaces, CR/LF, quotes) is replaced, so it can never forge a log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# The name of the Celery message header that carries it.
TASK_HEADER = "request_id"
# What stands in a log line for a secret or an email address (no quotes: JSON stays JSON).
MASK = "[redacted]"
# (Bounded repeats: a long run of letters costs a line linear time, not quadratic.)
_EMAIL = re.compile(r"[\w.%+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

request_logger = logging.getLogger("skillsmatrix.request")
task_logger = logging.getLogger("skillsmatrix.task")


def request_id_current() -> str | None:
    """The id of the request (or of the request that sent the task) being handled, if any."""
    return _request_id.get()


def request_id_from(header: str | None) -> str:
    """``header`` when it is a sane request id, else a new one."""
    if header and _SANE_REQUEST_ID.fullmatch(header):
        return header
    return str(uuid.uuid4())


# --- Log records --------------------------------------------------------------------------

_factory_installed = False


def log_record_factory_install() -> None:
    """Give every log record made from now on a ``request_id`` attribute (None outside a
    request or task): the formatters print it, and tests' captured records have it too."""
    global _factory_installed  # once per process
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return record

    logging.setLogRecordFactory(factory)
    _factory_installed = True


class RequestIdFilter(logging.Filter):
    """A handler's filter (settings' ``LOGGING``): records made before the record factory was
    installed (while Django starts) get the attribute too, so no formatter breaks; Django's
    own line for a 4xx answer, logged once the middleware is done, gets the id of the request
    it names."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or _request_id.get()
        return True


class JsonLogFormatter(JsonFormatter):
    """One JSON object per record: the standard fields, the request id and the extras, but
    not Django's ``request`` object, whose text holds the query string; and email addresses,
    wherever they are in the line (Django's "Not Found: /members/…", an exception's text),
    masked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request"])
        super().__init__(*args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return _EMAIL.sub(MASK, line) if "@" in line else line


# --- Requests -----------------------------------------------------------------------------

# Captured URL values that are secrets (allauth's email-confirmation and password-reset keys).
_SECRET_KWARG = re.compile(r"key|token|uid|secret|password", re.IGNORECASE)


def _view_name(request: HttpRequest) -> str:
    """The URL's name (bounded: one series per view, not per path)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return str(match.view_name or match._func_path)
    if request.path_info.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


def _route(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    return str(match.route) if match is not None else None


def _safe_path(request: HttpRequest) -> str:
    """The path without its query string, its secret captured values and email addresses."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        # The captured values stand in the path in their order: each is masked where it
        # stands, from the last one back (a value may also occur elsewhere, as "1" does).
        end = len(path)
        for name, value in reversed(match.kwargs.items()):
            if not isinstance(value, str) or not value:
                continue
            start = path.rfind(value, 0, end)
            if start < 0:
                continue
            if _SECRET_KWARG.search(name):
                path = path[:start] + MASK + path[start + len(value) :]
            end = start
    return _EMAIL.sub(MASK, path)


def _member_id(request: HttpRequest) -> int | None:
    """The signed-in member's id, when the request already looked the member up: reading
    ``request.user`` here would cost a request that never needed it a session and a user
    query. (DRF's token authentication sets the user on the request outright.)"""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        wrapped = user._wrapped  # Django's own lazy object
        user = None if wrapped is empty else wrapped
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


def _sentry_tag(request_id: str) -> None:
    import sentry_sdk

    sentry_sdk.set_tag("request_id", request_id)


class RequestObservabilityMiddleware:
    """The first middleware: a request id for the request, its metrics and its log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id  # type: ignore[attr-defined] # for Django's own lines
        token = _request_id.set(request_id)
        started = time.perf_counter()
        try:
            _sentry_tag(request_id)
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            self._record(request, response, seconds, request_id)
            return response
        finally:
            _request_id.reset(token)

    @staticmethod
    def _record(
        request: HttpRequest, response: HttpResponse, seconds: float, request_id: str
    ) -> None:
        view = _view_name(request)
        method = request.method or ""
        status = response.status_code
        metrics.HTTP_REQUEST_DURATION.labels(view, method, str(status)).observe(seconds)
        path = _safe_path(request)
        duration_ms = round(seconds * 1000, 1)
        request_logger.info(
            "%s %s %s %.1fms",
            method,
            path,
            status,
            duration_ms,
            extra={
                "method": method,
                "path": path,
                "route": _route(request),
                "view": view,
                "status": status,
                "duration_ms": duration_ms,
                "member_id": _member_id(request),
            },
        )


# --- Celery tasks -------------------------------------------------------------------------

# Per task id, in the process running it: the request-id token to restore and the start time.
_running: dict[str, tuple[contextvars.Token[str | None], float]] = {}


@signals.before_task_publish.connect(weak=False, dispatch_uid="request_id_header")
def _request_id_into_headers(headers: dict[str, Any] | None = None, **_: Any) -> None:
    request_id = _request_id.get()
    if request_id and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


def _task_request_id(task: Any) -> str | None:
    """The request id a task's message carries (Celery hands a message's own headers to the
    task's request, as attributes or, in eager runs, in ``headers``)."""
    request = task.request
    value = getattr(request, TASK_HEADER, None) or (getattr(request, "headers", None) or {}).get(
        TASK_HEADER
    )
    return value if isinstance(value, str) and _SANE_REQUEST_ID.fullmatch(value) else None


@signals.task_prerun.connect(weak=False, dispatch_uid="observability_task_prerun")
def _task_started(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is None or task is None:
        return
    # An eager task runs inside the request that sent it: it keeps that request's id.
    request_id = _task_request_id(task) or _request_id.get()
    token = _request_id.set(request_id)
    _running[task_id] = (token, time.perf_counter())
    if request_id:
        _sentry_tag(request_id)


@signals.task_postrun.connect(weak=False, dispatch_uid="observability_task_postrun")
def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    if task_id is None or task is None:
        return
    token, started = _running.pop(task_id, (None, None))
    seconds = None if started is None else time.perf_counter() - started
    metrics.task_observe(task.name, state, seconds)
    task_logger.info(
        "%s %s %s",
        task.name,
        metrics.task_outcome(state),
        "" if seconds is None else f"{seconds * 1000:.1f}ms",
        extra={
            "task": task.name,
            "task_id": task_id,
            "outcome": metrics.task_outcome(state),
            "duration_ms": None if seconds is None else round(seconds * 1000, 1),
        },
    )
    if token is not None:
        try:
            _request_id.reset(token)
        except ValueError:  # set in another context (a pool that switched threads)
            _request_id.set(None)


@signals.worker_init.connect(weak=False, dispatch_uid="worker_metrics_start")
def _worker_metrics_start(**_: Any) -> None:
    """The worker serves its metrics on ``CELERY_METRICS_PORT`` when that is set."""
    if settings.CELERY_METRICS_PORT:
        metrics.worker_metrics_start(
            port=settings.CELERY_METRICS_PORT, address=settings.CELERY_METRICS_ADDRESS
        )


@signals.worker_process_shutdown.connect(weak=False, dispatch_uid="worker_process_dead")
def _worker_process_dead(pid: int | None = None, **_: Any) -> None:
    metrics.process_dead(pid or os.getpid())
