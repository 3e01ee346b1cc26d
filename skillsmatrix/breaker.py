"""A small circuit breaker: after a failure, stop calling a server for a while.

A hung Redis costs every call its full socket timeout; with the breaker a request pays at most
one short timeout, and the rest of the requests of the process skip the server until it is
tried again. States:

* **closed** — calls go through; a failure opens the circuit.
* **open** — calls are refused at once (:meth:`CircuitBreaker.allow` is False) for
  ``reset_seconds``.
* **half-open** — after that, one call (the probe) goes through while the others are still
  refused; its success closes the circuit, its failure opens it for another ``reset_seconds``.

State is per process (each gunicorn worker learns of an outage by its own first failure): no
coordination is needed, and a worker pays one short timeout per ``reset_seconds`` at most.
Each change of state is recorded in the ``skillsmatrix_circuit_breaker_*`` metrics
(:mod:`skillsmatrix.metrics`); a scrape reports a circuit open while any process has it open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from skillsmatrix import metrics

logger = logging.getLogger(__name__)


class CircuitBreaker:
    def __init__(
        self, name: str, *, reset_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._opened_at: float | None = None  # None: closed
        self._probing = False

    @property
    def is_open(self) -> bool:
        """Whether calls are being refused (open, or half-open with a probe under way)."""
        return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may go through now; a True in the half-open state makes the caller
        the probe, who must report back with :meth:`success` or :meth:`failure`."""
        opened_at = self._opened_at
        if opened_at is None:  # the common case, without the lock
            return True
        with self._lock:
            opened_at = self._opened_at  # again, under the lock
            if opened_at is None:
                return True
            if self._probing or self._clock() - opened_at < self.reset_seconds:
                return False
            self._probing = True
            return True

    def success(self) -> None:
        if self._opened_at is None:
            return
        with self._lock:
            was_open = self._opened_at is not None  # again, under the lock
            self._opened_at = None
            self._probing = False
        if was_open:
            metrics.breaker_state_set(self.name, is_open=False)
            logger.warning("%s answers again: circuit closed", self.name)

    def abandon(self) -> None:
        """The call said nothing about the server (it failed before reaching it): let the next
        call probe instead."""
        with self._lock:
            self._probing = False

    def failure(self) -> None:
        with self._lock:
            was_closed = self._opened_at is None
            self._opened_at = self._clock()
            self._probing = False
        if was_closed:
            metrics.breaker_opened(self.name)
            logger.warning(
                "%s failed: circuit open, not called for %s s", self.name, self.reset_seconds
            )


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(name: str, *, reset_seconds: float) -> CircuitBreaker:
    """The process's breaker for ``name`` (a server's address): one per server, shared by
    every client of it (the cache, the rate limits, the readiness check)."""
    breaker = _breakers.get(name)
    if breaker is None:
        with _breakers_lock:
            if name not in _breakers:
                _breakers[name] = CircuitBreaker(name, reset_seconds=reset_seconds)
                metrics.breaker_state_set(name, is_open=False)
            breaker = _breakers[name]
    return breaker


def breakers_reset() -> None:
    """Forget every breaker's state (tests)."""
    with _breakers_lock:
        _breakers.clear()
