"""allauth's rate limits (sign-in, sign-up, password reset) on the site's lock-free windows: a
Redis hang never turns into a lockout, against a real Redis server that hangs (SIGSTOP)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from skillsmatrix.cache import redis_state_reset
from skillsmatrix.settings import redis_caches

pytestmark = pytest.mark.django_db

RIGHT = {"login": "verified", "password": "pw-verified-123"}
BREAKER_SECONDS = 0.3


def _sign_in() -> int:
    return Client().post("/accounts/login/", RIGHT).status_code


def test_a_redis_hang_never_turns_into_a_lockout(verified_member, redis_server, settings):
    """The probe's finding: a limiter command queued in a hung Redis ran once it answered
    again, and left a lock key that refused the next sign-ins with 429.

    A private server (``redis_server``), stopped with SIGSTOP: its port still takes commands,
    which the kernel queues, and the server runs them when it continues. (``CLIENT PAUSE`` on
    the shared server would hang every other test run using it.)"""
    settings.CACHES = redis_caches(redis_server.url(0))
    settings.REDIS_BREAKER_SECONDS = BREAKER_SECONDS
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "10/15m/ip"}
    statuses = [_sign_in() for _ in range(2)]
    redis_server.stop()
    # The first command times out (the client gives up on it; it stays queued in the server),
    # the circuit opens, and the rest count in the database.
    statuses += [_sign_in() for _ in range(2)]
    redis_server.cont()
    # The next sign-ins are served by another worker, which never saw the outage: no open
    # circuit, no deletions of its own to replay. (A process that saw it replays them.)
    redis_state_reset()
    time.sleep(BREAKER_SECONDS + 0.1)
    statuses += [_sign_in() for _ in range(6)]
    assert statuses == [302] * 10, statuses
    leftover = [key for key in redis_server.client().keys("*") if key.endswith(b":lock")]
    assert leftover == []
    # And the limit still limits. (What counted in the database during the hang stays there:
    # Redis saw 8 or 9 of the 10, so the address is refused by the third sign-in more.)
    assert _sign_in_until_refused(3) <= 3


def _sign_in_until_refused(most: int) -> int:
    """How many more sign-ins it takes to be refused (``most + 1`` when none is)."""
    for count in range(1, most + 1):
        if _sign_in() == 429:
            return count
    return most + 1


def test_every_key_the_limits_write_expires(verified_member, redis_server, settings):
    """A counter without a time to live would refuse its client for good."""
    settings.CACHES = redis_caches(redis_server.url(0))
    Client().post("/accounts/login/", {"login": "verified", "password": "nope"})
    Client().post("/accounts/login/", RIGHT)
    Client().post("/accounts/password/reset/", {"email": "verified@example.com"})
    redis = redis_server.client()
    keys = [key for key in redis.keys("*") if b":rl:" in key or b"sign-in" in key]
    assert keys  # the limits did count here
    assert all(redis.ttl(key) > 0 for key in keys), {key: redis.ttl(key) for key in keys}
