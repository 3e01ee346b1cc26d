"""The rate limits' cache backends: the database one (atomic across connections) and the
failover between Redis and it; and the Redis client's circuit breaker."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import caches
from django.db import connection

from skillsmatrix.cache import DatabaseCache, FailoverCache
from skillsmatrix.models import RateLimitEntry
from skillsmatrix.settings import redis_caches
from tests.concurrency import race


@pytest.fixture
def database_cache() -> DatabaseCache:
    return DatabaseCache("", {"KEY_PREFIX": "t"})


@pytest.mark.django_db
def test_database_cache_adds_counts_and_expires(database_cache):
    assert database_cache.add("k", 1, 60)
    assert not database_cache.add("k", 5, 60)  # a live key stays
    assert database_cache.incr("k") == 2
    assert database_cache.incr("k", 3) == 5
    assert database_cache.get("k") == 5
    with pytest.raises(ValueError, match="not found"):
        database_cache.incr("missing")
    database_cache.set("history", [1.5, 2.5], 60)
    assert database_cache.get("history") == [1.5, 2.5]
    assert database_cache.get("missing", "default") == "default"
    assert database_cache.delete("history")
    assert database_cache.get("history") is None
    # An expired key is gone, and add() takes its row over.
    database_cache.set("old", 7, 60)
    RateLimitEntry.objects.filter(cache_key__endswith="old").update(expires=time.time() - 1)
    assert database_cache.get("old") is None
    assert not database_cache.has_key("old")
    assert database_cache.add("old", 1, 60)
    assert database_cache.get("old") == 1


@pytest.mark.django_db
def test_database_cache_prunes_expired_rows_on_write(database_cache, monkeypatch):
    database_cache.set("gone", 1, 60)
    RateLimitEntry.objects.update(expires=time.time() - 1)
    monkeypatch.setattr("skillsmatrix.cache._next_prune", 0.0)
    database_cache.set("new", 1, 60)
    assert list(RateLimitEntry.objects.values_list("cache_key", flat=True)) == ["t:1:new"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers need PostgreSQL (set DATABASE_URL); SQLite serialises them",
)
def test_database_cache_counts_every_concurrent_hit():
    """Increments from many connections at once: none lost, each sees its own count."""
    DatabaseCache("", {}).add("hits", 0, 60)
    seen: list[int] = []
    lock = threading.Lock()

    def hit(index: int) -> None:
        count = DatabaseCache("", {}).incr("hits")
        with lock:
            seen.append(count)

    assert race(8, hit) == []
    assert sorted(seen) == list(range(1, 9))
    assert DatabaseCache("", {}).get("hits") == 8


@pytest.mark.django_db
def test_failover_uses_redis_while_it_answers_then_the_database(redis_server, settings):
    settings.CACHES = redis_caches(redis_server.url())
    ratelimit = caches["ratelimit"]
    assert isinstance(ratelimit, FailoverCache)
    assert ratelimit.add("k", 1, 60)
    assert ratelimit.incr("k") == 2
    assert redis_server.client().keys("*:k") != []
    assert not RateLimitEntry.objects.exists()
    redis_server.stop()
    try:
        start = time.monotonic()
        with pytest.raises(ValueError, match="not found"):
            ratelimit.incr("k")  # the count starts again in the database
        assert ratelimit.add("k", 1, 60)
        assert ratelimit.incr("k") == 2
        assert time.monotonic() - start < settings.REDIS_SOCKET_TIMEOUT + 0.5
        assert RateLimitEntry.objects.get().count == 2
    finally:
        redis_server.cont()


@pytest.mark.django_db
def test_deletions_refused_during_an_outage_happen_when_redis_answers_again(redis_server, settings):
    """A role changed while Redis was down must not be served stale from Redis afterwards."""
    settings.CACHES = redis_caches(redis_server.url())
    settings.REDIS_BREAKER_SECONDS = 0.2
    cache = caches["default"]
    cache.set("roles:role:mlops-engineer", "old", 300)
    redis_server.stop()
    assert cache.get("another") is None  # times out: the circuit opens
    # Refused at once, never sent (a command sent to a stopped Redis would run when it wakes).
    cache.delete_many(["roles:role:mlops-engineer"])
    redis_server.cont()
    time.sleep(0.3)
    assert cache.get("roles:role:mlops-engineer") is None  # the probe deleted it first
    cache.set("roles:role:mlops-engineer", "new", 300)
    assert cache.get("roles:role:mlops-engineer") == "new"


def test_the_circuit_closes_when_redis_answers_again(redis_server, settings):
    settings.CACHES = redis_caches(redis_server.url())
    settings.REDIS_BREAKER_SECONDS = 0.2
    cache = caches["default"]
    redis_server.stop()
    assert cache.get("k") is None
    cache.set("k", "v", 60)  # refused: the circuit is open
    redis_server.cont()
    assert cache.get("k") is None
    time.sleep(0.3)
    cache.set("k", "v", 60)
    assert cache.get("k") == "v"
    assert redis_server.client().keys("*:k") != []
