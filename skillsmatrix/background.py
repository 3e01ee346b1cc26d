"""Sending background tasks, shared by every app's ``tasks.py`` and services.

Tasks are sent once the transaction that made their work commits, and sending never fails or
hangs the request: a broker that is down or hung is logged and the work stays in the database,
where a periodic sweep finds it (DESIGN §8, nothing lost).
"""

from __future__ import annotations

import importlib
import logging
import os
import smtplib
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import Task
from django.conf import settings
from django.db import InterfaceError, InternalError, OperationalError, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from skillsmatrix.breaker import CircuitBreaker, breaker_for
from skillsmatrix.cache import redis_breaker
from skillsmatrix.celery import app as celery_app

logger = logging.getLogger(__name__)

# Errors worth retrying: the database or the mail server away for a moment. Behind PgBouncer,
# a COMMIT whose server connection was terminated meanwhile fails as an InternalError (psycopg:
# "received 2 results from command 'COMMIT'", PgBouncer's error after PostgreSQL's), on a
# connection then closed; PostgreSQL itself says OperationalError. Every task is idempotent, so
# retrying any other InternalError costs a few tries, never a double effect.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    InternalError,
    smtplib.SMTPException,
    ConnectionError,
    TimeoutError,
)

# The retry and acknowledgement options of every task here: each is idempotent (it re-reads
# state and does nothing when its work is done), so a message is acknowledged only after the
# task ran, and put back when the worker running it dies.
IDEMPOTENT_TASK: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": settings.TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 5,
}


# What a broker that is down or hung raises while a task is sent (kombu wraps most of them).
_UNREACHABLE_BROKER = (
    KombuOperationalError,
    OSError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


def _broker_breaker(task: Task[..., Any]) -> CircuitBreaker | None:
    """The process's breaker of the broker (None without one: tasks run eagerly). After a send
    failed, the next sends skip the broker at once for ``REDIS_BREAKER_SECONDS``: a hung broker
    costs one request its short timeouts, not every request."""
    conf = task.app.conf
    if not conf.broker_url or conf.task_always_eager:
        return None
    parts = urlsplit(conf.broker_url)
    if parts.scheme in ("redis", "rediss"):
        # The same breaker as every other client of that Redis (cache, readiness check).
        return redis_breaker({"host": parts.hostname or "localhost", "port": parts.port or 6379})
    where = f"{parts.hostname or 'localhost'}:{parts.port or ''}"
    return breaker_for(f"Celery broker at {where}", reset_seconds=settings.REDIS_BREAKER_SECONDS)


def send_task(task: Task[..., Any], **kwargs: Any) -> bool:
    """Send ``task`` with ``kwargs`` now; False (logged) when the broker cannot take it.

    Without a broker the task runs here and now; its failure is logged too, as a failure to
    send would be: the caller's work is done and its transaction committed.
    """
    breaker = _broker_breaker(task)
    if breaker is not None and not breaker.allow():
        logger.warning(
            "Not sending %s(%s): the broker failed a moment ago; the periodic sweep will pick "
            "the work up",
            task.name,
            kwargs,
        )
        return False
    started = time.monotonic()
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception as exc:
        if breaker is not None:
            # Only an unreachable broker opens the circuit (shared with the cache when it is
            # the same Redis); any other failure says nothing about the server.
            if isinstance(exc, _UNREACHABLE_BROKER):
                breaker.failure()
            else:
                breaker.abandon()
        logger.warning(
            "Could not send %s(%s) after %.1fs; the periodic sweep will pick the work up",
            task.name,
            kwargs,
            time.monotonic() - started,
            exc_info=True,
        )
        return False
    if breaker is not None:
        breaker.success()
    return True


def registered_task(name: str) -> Task[..., Any]:
    """The task called ``name`` (``"<app>.tasks.<function>"``, as the beat schedule names them),
    its module imported if this process has not yet (a worker imports every app's at start).
    Unknown names raise ``celery.exceptions.NotRegistered``."""
    if name not in celery_app.tasks:
        importlib.import_module(name.rpartition(".")[0])
    return celery_app.tasks[name]


def send_after_commit(task_name: str, **kwargs: Any) -> None:
    """Send the task called ``task_name`` once the current transaction commits (at once outside
    one).

    By name, as the beat schedule sends them: a task calls a service, so the service that sends
    it must not import it (DESIGN §3, tasks sit above services). The name is resolved now, so
    a wrong one fails in the service that sends it, not later in a log.
    """
    task = registered_task(task_name)
    transaction.on_commit(lambda: send_task(task, **kwargs))


def pause_point(name: str) -> None:
    """A test hook in the middle of a task's work (after its rows are claimed, before its effect
    is committed). With ``TASK_PAUSE_DIR`` set (tests only) and a file ``<name>.pause`` there,
    it writes ``<name>.reached`` with this process's id and waits while the pause file exists
    (at most a minute), so a test can kill the worker at that very point."""
    directory = getattr(settings, "TASK_PAUSE_DIR", "")
    if not directory:
        return
    pause = Path(directory) / f"{name}.pause"
    if not pause.exists():
        return
    (Path(directory) / f"{name}.reached").write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while pause.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
