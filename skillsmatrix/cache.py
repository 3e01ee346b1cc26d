"""Cache plumbing that keeps the site prompt when Redis hangs or goes away (DESIGN §8).

* :class:`BreakerRedis` — the redis-py client django-redis uses (``REDIS_CLIENT_CLASS``): every
  command goes through the server's :mod:`circuit breaker <skillsmatrix.breaker>`, so after one
  failed (timed-out) command the process stops calling that Redis for a while instead of paying
  the timeout on every call. Deletions refused while the circuit is open are replayed when
  Redis answers again, so nothing cached before the outage outlives a change made during it.
* :class:`FailoverCache` — the ``ratelimit`` cache: Redis while it answers, else the database
  (:class:`DatabaseCache`), so rate limits keep counting through an outage, across processes.
* :class:`DatabaseCache` — a small cache on :class:`skillsmatrix.models.RateLimitEntry` with an
  atomic ``incr`` and ``add`` (one statement each), for rate-limit state only (JSON values).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.db import connections, router
from django.db.models import QuerySet
from django.utils.module_loading import import_string
from redis.client import Pipeline

from skillsmatrix import metrics
from skillsmatrix.breaker import CircuitBreaker, breaker_for, breakers_reset

if TYPE_CHECKING:  # the models load after the cache backends are configured
    from skillsmatrix.models import RateLimitEntry

# What a command that could not reach the server raises (TimeoutError covers a hung server).
_UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class CircuitOpenError(redis.exceptions.ConnectionError):
    """Redis was not called: its circuit is open after a recent failure."""


def redis_breaker(connection_kwargs: dict[str, Any]) -> CircuitBreaker:
    """The process's breaker of the Redis server these connection settings reach."""
    where = connection_kwargs.get("path") or "{}:{}".format(
        connection_kwargs.get("host", "localhost"), connection_kwargs.get("port", 6379)
    )
    return breaker_for(f"Redis at {where}", reset_seconds=settings.REDIS_BREAKER_SECONDS)


# Keys whose deletion failed while a server was unreachable, per server and database: deleted
# first thing when the server answers again (bounded; past the bound the oldest are dropped,
# and the cache's own timeouts remain the backstop).
_PENDING_DELETES_MAX = 10_000
_pending_deletes: dict[tuple[str, int], dict[bytes | str, None]] = {}
_pending_lock = threading.Lock()


def redis_state_reset() -> None:
    """Close every circuit and forget pending deletions (tests: one test's outage is not the
    next one's)."""
    breakers_reset()
    with _pending_lock:
        _pending_deletes.clear()


def _call_through(
    breaker: CircuitBreaker,
    call: Callable[[], Any],
    *,
    command: object,
    unreachable: Callable[[], object] | None = None,
) -> Any:
    """``call()``, reporting to ``breaker`` how the server answered: unreachable (timed out or
    refused) opens the circuit and runs ``unreachable``; an error reply still means it answers;
    anything else (the call failed before reaching it) says nothing about the server. Its time
    and outcome go to the ``skillsmatrix_redis_command_duration_seconds`` metric."""
    started = time.perf_counter()
    outcome = "aborted"
    try:
        result = call()
        outcome = "ok"
    except _UNREACHABLE:
        outcome = "unreachable"
        breaker.failure()
        if unreachable is not None:
            unreachable()
        raise
    except redis.exceptions.RedisError:
        outcome = "error"
        breaker.success()  # an error reply: the server answers
        raise
    except BaseException:
        breaker.abandon()
        raise
    finally:
        metrics.redis_command_observe(breaker.name, command, outcome, time.perf_counter() - started)
    breaker.success()
    return result


class BreakerRedis(redis.Redis):
    """A redis-py client whose commands respect the server's circuit breaker."""

    @property
    def _breaker(self) -> CircuitBreaker:
        return redis_breaker(self.connection_pool.connection_kwargs)

    @property
    def _pending_key(self) -> tuple[str, int]:
        return (self._breaker.name, int(self.connection_pool.connection_kwargs.get("db", 0)))

    def _remember_deletes(self, args: tuple[Any, ...]) -> None:
        if not args or str(args[0]).upper() not in {"DEL", "UNLINK"}:
            return
        with _pending_lock:
            pending = _pending_deletes.setdefault(self._pending_key, {})
            pending.update(dict.fromkeys(args[1:]))
            while len(pending) > _PENDING_DELETES_MAX:
                del pending[next(iter(pending))]

    def _replay_deletes(self) -> None:
        with _pending_lock:
            pending = _pending_deletes.pop(self._pending_key, {})
        if pending:
            try:
                super().execute_command("DEL", *pending)  # type: ignore[no-untyped-call] # redis-py
            except BaseException:
                with _pending_lock:
                    _pending_deletes.setdefault(self._pending_key, {}).update(pending)
                raise

    def execute_command(self, *args: Any, **options: Any) -> Any:
        breaker = self._breaker
        command = args[0] if args else ""
        if not breaker.allow():
            self._remember_deletes(args)
            metrics.redis_command_observe(breaker.name, command, "refused", 0.0)
            raise CircuitOpenError(f"{breaker.name}: circuit open")

        def call() -> Any:
            if breaker.is_open:  # this call is the half-open probe
                self._replay_deletes()
            # redis-py leaves it unannotated
            return super(BreakerRedis, self).execute_command(*args, **options)  # type: ignore[no-untyped-call]

        return _call_through(
            breaker, call, command=command, unreachable=lambda: self._remember_deletes(args)
        )

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> Pipeline:
        return BreakerPipeline(
            self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


class BreakerPipeline(Pipeline):
    """A pipeline whose ``execute`` respects the server's circuit breaker."""

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        breaker = redis_breaker(self.connection_pool.connection_kwargs)
        if not breaker.allow():
            self.reset()
            metrics.redis_command_observe(breaker.name, "PIPELINE", "refused", 0.0)
            raise CircuitOpenError(f"{breaker.name}: circuit open")
        return cast(
            "list[Any]",
            _call_through(
                breaker,
                lambda: super(BreakerPipeline, self).execute(raise_on_error),
                command="PIPELINE",
            ),
        )


def _build(config: dict[str, Any]) -> BaseCache:
    """A cache backend from a ``CACHES``-style entry (as Django's cache handler builds one)."""
    params = dict(config)
    backend = import_string(params.pop("BACKEND"))
    location = params.pop("LOCATION", "")
    instance: BaseCache = backend(location, params)
    return instance


class FailoverCache(BaseCache):
    """The primary cache (Redis, not ignoring its errors) while it answers, else the fallback
    (the database). Configured with ``OPTIONS = {"PRIMARY": {...}, "FALLBACK": {...}}``, each a
    ``CACHES``-style entry.

    Counts do not move between the two: when Redis fails or comes back a client's count starts
    again in the other store (at most one extra budget per outage edge), which is the price of
    never waiting on a hung Redis. ``clear()`` empties the primary; the fallback's entries
    expire on their own (:class:`DatabaseCache` prunes them).
    """

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self.primary = _build(options["PRIMARY"])
        self.fallback = _build(options["FALLBACK"])

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.primary, method)(*args, **kwargs)
        except (redis.exceptions.RedisError, OSError):
            # Unreachable (the breaker has noted it), or refused, e.g. out of memory.
            return getattr(self.fallback, method)(*args, **kwargs)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call("get", key, default, version)

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._call("set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> Any:
        return self._call("touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> Any:
        return self._call("delete", key, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        return self._call("incr", key, delta, version)

    def has_key(self, key: Any, version: Any = None) -> Any:
        return self._call("has_key", key, version)

    def clear(self) -> None:
        self.primary.clear()

    def close(self, **kwargs: Any) -> None:
        self.primary.close(**kwargs)
        self.fallback.close(**kwargs)


# Expired rows are deleted at most this often per process, by a write.
_PRUNE_SECONDS = 60.0
_next_prune = 0.0
_NEVER = 2.0**53  # "no timeout" as an expiry time (seconds since the epoch)


class DatabaseCache(BaseCache):
    """Rate-limit state in the database (:class:`skillsmatrix.models.RateLimitEntry`), shared by
    every process. Values must be JSON (integers, lists of numbers, booleans): integers live in
    a column of their own so that ``incr`` is one atomic ``UPDATE … RETURNING``; ``add`` is one
    ``INSERT … ON CONFLICT`` that takes over only an expired row. PostgreSQL and SQLite ≥ 3.35.
    """

    def __init__(self, location: str, params: dict[str, Any]) -> None:
        super().__init__(params)
        from skillsmatrix.models import RateLimitEntry

        self.model = RateLimitEntry

    def _expiry(self, timeout: Any) -> float:
        expires = self.get_backend_timeout(timeout)
        return _NEVER if expires is None else float(expires)

    def _columns(self, value: Any) -> tuple[Any, int | None]:
        if isinstance(value, int) and not isinstance(value, bool):
            return None, value
        return value, None

    def _db(self) -> str:
        return router.db_for_write(self.model)

    def _prune(self) -> None:
        global _next_prune  # one schedule per process
        now = time.time()
        if now >= _next_prune:
            _next_prune = now + _PRUNE_SECONDS
            self.model.objects.using(self._db()).filter(expires__lte=now).delete()

    def _live(self, key: str) -> QuerySet[RateLimitEntry]:
        return self.model.objects.using(self._db()).filter(cache_key=key, expires__gt=time.time())

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        row = self._live(key).values_list("value", "count").first()
        if row is None:
            return default
        value, count = row
        return count if count is not None else value

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        stored, count = self._columns(value)
        self.model.objects.using(self._db()).bulk_create(
            [self.model(cache_key=key, value=stored, count=count, expires=self._expiry(timeout))],
            update_conflicts=True,
            unique_fields=["cache_key"],
            update_fields=["value", "count", "expires"],
        )
        self._prune()

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        stored, count = self._columns(value)
        db = self._db()
        connection = connections[db]
        table = connection.ops.quote_name(self.model._meta.db_table)
        value_param = self.model._meta.get_field("value").get_db_prep_save(stored, connection)
        # Inserted, or an expired row taken over: a row comes back. A live row: none.
        sql = (
            f"INSERT INTO {table} (cache_key, value, count, expires) VALUES (%s, %s, %s, %s) "  # noqa: S608
            "ON CONFLICT (cache_key) DO UPDATE SET value = EXCLUDED.value, "
            f"count = EXCLUDED.count, expires = EXCLUDED.expires WHERE {table}.expires <= %s "
            "RETURNING cache_key"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, value_param, count, self._expiry(timeout), time.time()])
            added = cursor.fetchone() is not None
        self._prune()
        return added

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        connection = connections[self._db()]
        table = connection.ops.quote_name(self.model._meta.db_table)
        sql = (
            f"UPDATE {table} SET count = count + %s "  # noqa: S608
            "WHERE cache_key = %s AND expires > %s AND count IS NOT NULL RETURNING count"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [delta, key, time.time()])
            row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found")
        return int(row[0])

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return bool(self._live(key).update(expires=self._expiry(timeout)))

    def delete(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        deleted, _ = self.model.objects.using(self._db()).filter(cache_key=key).delete()
        return bool(deleted)

    def has_key(self, key: Any, version: Any = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        return self._live(key).exists()

    def clear(self) -> None:
        self.model.objects.using(self._db()).all().delete()
