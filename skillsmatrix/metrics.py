"""The Prometheus series the processes record (docs/observability.md lists them all).

Every web and worker process records into the metrics below: request latency by view and
status, database queries, Redis commands, Celery tasks, and the circuit breakers' state. The
gauges computed at scrape time (business counts, the outbox) live with the ``/metrics`` page
(:mod:`skillsmatrix.monitoring`).

**Several processes.** gunicorn runs several workers and Celery's prefork pool several children;
each keeps its own counts. With ``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts:
prometheus_client reads it at import) every process writes its values to files in that
directory and a scrape adds them up (:func:`exposition`), so any worker that answers the
scrape reports the whole server. Without it each process reports only itself: right for
``runserver``, a single-worker gunicorn or a ``--pool=solo`` worker, wrong otherwise.
The directory must be empty when the server starts: gunicorn's configuration
(``gunicorn.conf.py``) and the worker (:func:`worker_metrics_start`) empty it.

Nothing here reads Django's settings at import: the Celery app imports this module before
Django is set up.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import prometheus_client
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# Prometheus' classic text format, which every Prometheus and agent reads.
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# ``*_created`` series double the output and no dashboard or alert here uses them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

# Seconds: from a fast cached page (a few ms) to the slowest export or a hung dependency.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0)

HTTP_REQUEST_DURATION = Histogram(
    "skillsmatrix_http_request_duration_seconds",
    "Time to answer a request, by URL name (view), method and status code.",
    ["view", "method", "status"],
    buckets=REQUEST_BUCKETS,
)
DB_QUERY_DURATION = Histogram(
    "skillsmatrix_db_query_duration_seconds",
    "Time of one database statement, by connection alias and kind of statement.",
    ["alias", "operation"],
    buckets=QUERY_BUCKETS,
)
REDIS_COMMAND_DURATION = Histogram(
    "skillsmatrix_redis_command_duration_seconds",
    "Time of one Redis command of the cache, rate limits and readiness check (a pipeline is "
    "one), by server, command and outcome (ok, error reply, unreachable, refused by an open "
    "circuit, aborted).",
    ["server", "command", "outcome"],
    buckets=QUERY_BUCKETS,
)
CELERY_TASKS = Counter(
    "skillsmatrix_celery_tasks",
    "Celery task runs that finished, by task and outcome (succeeded, failed, retried, ...).",
    ["task", "outcome"],
)
CELERY_TASK_DURATION = Histogram(
    "skillsmatrix_celery_task_duration_seconds",
    "Time of one Celery task run, by task.",
    ["task"],
    buckets=TASK_BUCKETS,
)
# The highest value among the live processes: 1 while any process has that circuit open.
CIRCUIT_BREAKER_OPEN = Gauge(
    "skillsmatrix_circuit_breaker_open",
    "1 while the circuit of this server is open (calls refused) in some process, else 0.",
    ["breaker"],
    multiprocess_mode="livemax",
)
CIRCUIT_BREAKER_OPENED = Counter(
    "skillsmatrix_circuit_breaker_opened",
    "Times a circuit opened (the server failed while it was closed).",
    ["breaker"],
)


def multiprocess_dir() -> Path | None:
    """The directory of multiprocess mode, or None when each process reports itself."""
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    return Path(path) if path else None


def multiprocess_dir_empty() -> None:
    """Remove the value files a previous run left (a new server must start from zero)."""
    directory = multiprocess_dir()
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)


def process_dead(pid: int) -> None:
    """Forget the live gauges of a process that exited (its counts stay in the totals)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class _Scrape(Collector):
    """What one scrape reports: the process's (or every process's) series, then ``extra``."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Any]:
        for source in self.sources:
            yield from source.collect()


def _recorded() -> Collector:
    """The series every process records: added up from the files in multiprocess mode."""
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text of a scrape: the recorded series, and those ``extra`` computes now."""
    return generate_latest(_Scrape([_recorded(), *extra]))


# --- Database statements ------------------------------------------------------------------

_OPERATIONS = {"SELECT", "INSERT", "UPDATE", "DELETE"}


def _operation(sql: object) -> str:
    words = sql.lstrip()[:10].split(None, 1) if isinstance(sql, str) else []
    verb = words[0].upper() if words else ""
    return verb.lower() if verb in _OPERATIONS else "other"


def _timed_execute(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        DB_QUERY_DURATION.labels(context["connection"].alias, _operation(sql)).observe(
            time.perf_counter() - started
        )


def database_timer_install(*, connection: Any, **_: Any) -> None:
    """``connection_created`` receiver: time every statement of the new connection (once per
    connection object, however often it reconnects)."""
    if _timed_execute not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _timed_execute)


# --- Redis commands -------------------------------------------------------------------------


def redis_command_observe(server: str, command: object, outcome: str, seconds: float) -> None:
    name = command.decode() if isinstance(command, bytes) else str(command)
    # Command names only (GET, SETEX, …): anything else would make a series per key.
    name = name.upper() if name.isalpha() and len(name) <= 20 else "OTHER"
    REDIS_COMMAND_DURATION.labels(server, name, outcome).observe(seconds)


# --- Circuit breakers -----------------------------------------------------------------------


def breaker_state_set(name: str, *, is_open: bool) -> None:
    CIRCUIT_BREAKER_OPEN.labels(name).set(1 if is_open else 0)


def breaker_opened(name: str) -> None:
    CIRCUIT_BREAKER_OPENED.labels(name).inc()
    breaker_state_set(name, is_open=True)


# --- Celery tasks ---------------------------------------------------------------------------

# Celery's states as the outcomes counted (an eager task that raised reports no state).
_OUTCOMES = {
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "RETRY": "retried",
    "REJECTED": "rejected",
    "IGNORED": "ignored",
    None: "failed",
}


def task_outcome(state: str | None) -> str:
    return _OUTCOMES.get(state, str(state).lower())


def task_observe(task_name: str, state: str | None, seconds: float | None) -> None:
    CELERY_TASKS.labels(task_name, task_outcome(state)).inc()
    if seconds is not None:
        CELERY_TASK_DURATION.labels(task_name).observe(seconds)


def worker_metrics_start(*, port: int, address: str) -> Any:
    """Serve this worker's metrics on ``address:port`` (a thread of the worker's main process;
    in multiprocess mode, the sums over its pool processes). Returns the HTTP server."""
    directory = multiprocess_dir()
    if directory is None:
        logger.warning(
            "PROMETHEUS_MULTIPROC_DIR is not set: the worker's metrics on port %s show only its "
            "main process, not the tasks of a prefork pool (docs/observability.md)",
            port,
        )
        registry: CollectorRegistry = REGISTRY
    else:
        multiprocess_dir_empty()
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    server, _thread = prometheus_client.start_http_server(port, addr=address, registry=registry)
    logger.info("Worker metrics on http://%s:%s/metrics", address, port)
    return server
