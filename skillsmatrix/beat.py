"""Only one beat sends the periodic tasks, however many are started.

Two ``celery beat`` processes would each send every periodic task: every sweep twice a minute,
every digest run twice. One replica with the ``Recreate`` strategy (deploy/k8s) keeps a cluster
to one beat while it behaves, but not a pod left running on a node that lost contact, a second
compose project on the same Redis, or an operator's ``make beat`` beside the site's. So beat's
scheduler (``CELERY_BEAT_SCHEDULER``) sends only while it holds a **lease**: a key in a Redis
that never evicts (the broker's, unless ``BEAT_LOCK_URL`` names another), taken with
``SET key token NX PX ttl`` and renewed by a thread every third of the TTL, by its holder only.

* A beat that does not hold the lease sends nothing and stands by, trying again on every
  renewal period; it takes over when the key is released or expires.
* The holder releases the key when it stops (SIGTERM: a rollout, a scale-down), so its
  successor starts sending at once; a holder that dies without releasing (SIGKILL, a lost node)
  leaves a key that expires after the TTL.
* A holder that cannot reach Redis to renew stops sending before its key can have expired (a
  tenth of the TTL early), so it never overlaps with the beat that takes over.

Every periodic task is idempotent, so the one overlap the lease cannot rule out — a task sent
just before a takeover and again by the new holder, whose schedule is its own — is harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import redis
from celery.beat import PersistentScheduler
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

# The holder stops sending this share of the TTL before its key can expire in Redis.
SAFETY_SHARE = 0.1
# How long a standing-by scheduler sleeps between looks at its lease (a local flag).
STANDBY_TICK_SECONDS = 1.0

# Renew the key's TTL only while the key still holds our token (nobody else's lease is touched).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Delete the key only while it holds our token.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def default_token() -> str:
    """Who holds the lease, as an operator reads it (``redis-cli GET``): host, pid, and a random
    part that tells two processes of one pid apart (a restarted container)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class BeatLease:
    """A lease on one Redis key: :meth:`refresh` takes it when free and renews it when ours;
    :attr:`held` says whether it is ours *now* (a local clock, no call to Redis)."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        key: str,
        ttl: float,
        token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.key = key
        self.ttl = ttl
        self.token = token or default_token()
        self._clock = clock
        self._held_until = 0.0
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._announced: bool | None = None  # the state last logged

    @property
    def held(self) -> bool:
        return self._clock() < self._held_until

    @property
    def ttl_ms(self) -> int:
        return max(1, round(self.ttl * 1000))

    def refresh(self) -> bool:
        """Renew the lease if it is ours, else take it if free: whether it is ours now. A Redis
        that does not answer changes nothing: a lease held so far runs out at its time."""
        # Timed from before the call: Redis starts the TTL later, so the key outlives this.
        started = self._clock()
        try:
            ours = bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms])) or bool(
                self.client.set(self.key, self.token, nx=True, px=self.ttl_ms)
            )
        except redis.exceptions.RedisError as exc:
            logger.warning("beat: cannot reach the lock's Redis (%s): %s", self.key, exc)
            return self.held
        self._held_until = started + self.ttl * (1 - SAFETY_SHARE) if ours else 0.0
        self._announce(ours)
        return ours

    def release(self) -> None:
        """Give the lease up (only if it is still ours), so another beat may take it at once."""
        self._held_until = 0.0
        try:
            self._release(keys=[self.key], args=[self.token])
        except redis.exceptions.RedisError as exc:
            logger.warning("beat: could not release %s (it expires by itself): %s", self.key, exc)

    def holder(self) -> str:
        """The token in the key (whoever holds it), or "" when nobody does."""
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else str(value or "")

    def _announce(self, ours: bool) -> None:
        if ours == self._announced:
            return
        self._announced = ours
        if ours:
            logger.info(
                "beat: holding the lock %s as %s: sending the schedule", self.key, self.token
            )
        else:
            logger.warning(
                "beat: another beat holds the lock %s: standing by, sending nothing", self.key
            )


class LeaseKeeper(threading.Thread):
    """Refreshes a lease every third of its TTL until stopped; then releases it."""

    def __init__(self, lease: BeatLease) -> None:
        super().__init__(name="beat-lease", daemon=True)
        self.lease = lease
        self.interval = lease.ttl / 3
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.lease.refresh()

    def stop(self) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout=self.interval + 5)
        self.lease.release()


def lease_client(url: str, *, timeout: float) -> redis.Redis:
    """A client that tries each call once, briefly: the keeper tries again on its next round."""
    return redis.Redis.from_url(
        url,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )


def lease_from_settings() -> BeatLease:
    """The lease on ``BEAT_LOCK_KEY`` in the Redis of ``BEAT_LOCK_URL``."""
    url = settings.BEAT_LOCK_URL
    if not url:
        raise ImproperlyConfigured(
            "celery beat needs a Redis for its lock (only one beat may send the schedule): "
            "set BEAT_LOCK_URL, or use a redis:// CELERY_BROKER_URL (the default place)"
        )
    timeout = min(2.0, settings.BEAT_LOCK_TTL_SECONDS / 3)
    return BeatLease(
        lease_client(url, timeout=timeout),
        key=settings.BEAT_LOCK_KEY,
        ttl=settings.BEAT_LOCK_TTL_SECONDS,
    )


class LockedScheduler(PersistentScheduler):
    """Celery's scheduler (the schedule in ``--schedule``'s file), sending only while it holds
    the beat lease. Beat also makes lazy instances, to describe the scheduler: they take no
    lease."""

    lease: BeatLease | None = None
    keeper: LeaseKeeper | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not kwargs.get("lazy"):
            self.lease = lease_from_settings()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        lease = self.lease
        if lease is None:  # lazy: never ticks, but never sends unlocked either
            return STANDBY_TICK_SECONDS
        if self.keeper is None:
            lease.refresh()  # at once, so a lone beat sends from its first tick
            self.keeper = LeaseKeeper(lease)
            self.keeper.start()
        if not lease.held:
            return STANDBY_TICK_SECONDS  # sends nothing; the keeper takes the lease when free
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        try:
            if self.keeper is not None:
                self.keeper.stop()
                self.keeper = None
        finally:
            super().close()

    @property
    def info(self) -> str:
        lock = f"    . lock -> {settings.BEAT_LOCK_KEY} ({settings.BEAT_LOCK_TTL_SECONDS:g} s)"
        return f"{super().info}\n{lock}"
