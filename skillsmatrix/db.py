"""Database connections that drop mid-request: a PostgreSQL restart, an operator's
``pg_terminate_backend``, a pooler or the network closing them.

Django's health checks (``conn_health_checks``) replace a dead connection at the start of a
request, not in its middle: a query there fails with ``OperationalError``/``InterfaceError``.
A read can simply run again on a fresh connection (:class:`skillsmatrix.middleware.
LostConnectionRetryMiddleware` does, once, for GET and HEAD); a write cannot, as it may have
committed, so what a write answers is read before its commit (the vote API) or read again
(:func:`read_again_if_lost`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import InterfaceError, OperationalError, connections

T = TypeVar("T")


def connection_lost(exception: BaseException) -> bool:
    """Whether ``exception`` came from a connection that is gone — then closed, so that the
    next query opens a fresh one. An error on a connection that still answers (a cancelled
    statement, a deadlock) is not a lost connection; nor is one inside a transaction, which
    cannot go on on another connection."""
    if not isinstance(exception, OperationalError | InterfaceError):
        return False
    lost = False
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            return False
        if connection.connection is None:
            # Closed already, by a transaction whose rollback failed on it.
            lost = lost or connection.errors_occurred
        elif not connection.is_usable():
            connection.close()
            lost = True
    return lost


def read_again_if_lost(read: Callable[[], T]) -> T:
    """``read()``, run once more on a fresh connection if the first lost its connection: for
    what a write's answer reads after its commit (the write stands; its answer should too)."""
    try:
        return read()
    except (OperationalError, InterfaceError) as exc:
        if not connection_lost(exc):
            raise
        return read()
