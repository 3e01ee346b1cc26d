"""Rate limits on the ``ratelimit`` cache: Redis while it answers, the database while it does
not (:class:`skillsmatrix.cache.FailoverCache`), so limits never lapse.

Two kinds, both built on the cache's atomic ``incr`` and ``add`` only — no lock, no
read-modify-write — so a command that a hung Redis runs late (after its client gave up and
counted elsewhere) can add at most the one hit it carried, and every key it can create expires:

* :func:`rate_limit_hit`, a fixed window (the site's own limits);
* :func:`window_hit` and its companions, a sliding window estimated from two fixed ones (the
  previous window's count, weighted by how much of it still overlaps, plus the current one's):
  allauth's limits (``skillsmatrix.accounts.limits``) and failed sign-ins.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest


def client_address(meta: Mapping[str, Any]) -> str:
    """The client's address, for every rate limit and throttle of the site.

    The socket's address (``REMOTE_ADDR``), unless ``TRUSTED_PROXY_COUNT`` says how many
    reverse proxies stand in front of the app: each appends the address it was reached from to
    ``X-Forwarded-For``, so the client is the N-th entry from the right. Entries further left
    are whatever the client sent, and trusting them would let anyone reset their own limits.
    """
    address = str(meta.get("REMOTE_ADDR") or "unknown")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [
            entry.strip()
            for entry in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if entry.strip()
        ]
        if forwarded:
            # Fewer entries than proxies: the request skipped the outer ones; the leftmost
            # entry is the furthest address a trusted proxy saw.
            address = forwarded[-min(proxies, len(forwarded))]
    return address


def client_key(request: HttpRequest) -> str:
    """Who is asking: the member when signed in, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_address(request.META)}"


def _count(cache_key: str, *, timeout: float) -> int:
    """Add one to ``cache_key`` (created with ``timeout`` on its first hit); the new count."""
    cache = caches["ratelimit"]
    # One round trip in the common case. On the window's first hit incr() finds no key; add()
    # then creates it unless a concurrent first hit just did, in which case incr() again.
    try:
        return int(cache.incr(cache_key))
    except ValueError:
        return 1 if cache.add(cache_key, 1, timeout) else int(cache.incr(cache_key))


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> int | None:
    """Count one hit of ``key`` in ``scope``; return the seconds to wait when over ``limit``
    in the current window, else None."""
    now = time.time()
    bucket = int(now // window_seconds)
    count = _count(f"ratelimit:{scope}:{key}:{bucket}", timeout=window_seconds + 1)
    if count > limit:
        return max(1, int(window_seconds - now % window_seconds))
    return None


# --- Sliding windows ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowHit:
    """One hit counted by :func:`window_hit`: the fixed window's key it went to, and the sliding
    window's count with it."""

    bucket_key: str
    count: float


def _buckets(key: str, window_seconds: float) -> tuple[str, str, float]:
    """The current fixed window's key, the previous one's, and the share of the previous one
    that the sliding window still covers."""
    now = time.time()
    bucket = int(now // window_seconds)
    overlap = 1.0 - (now % window_seconds) / window_seconds
    return f"{key}:{bucket}", f"{key}:{bucket - 1}", overlap


def window_hit(*, key: str, window_seconds: float) -> WindowHit:
    """Count one hit of ``key`` in its sliding window of ``window_seconds``."""
    current, previous, overlap = _buckets(key, window_seconds)
    # Each fixed window's count lives on while it is the previous one: two windows and a second.
    count = _count(current, timeout=2 * window_seconds + 1)
    earlier = int(caches["ratelimit"].get(previous) or 0)
    return WindowHit(bucket_key=current, count=count + overlap * earlier)


def window_count(*, key: str, window_seconds: float) -> float:
    """The hits of ``key`` in its sliding window, counting none."""
    current, previous, overlap = _buckets(key, window_seconds)
    cache = caches["ratelimit"]
    return int(cache.get(current) or 0) + overlap * int(cache.get(previous) or 0)


def window_undo(hit: WindowHit) -> None:
    """Take back a hit (it was refused, or it turned out not to count)."""
    with contextlib.suppress(ValueError):  # its window is over: nothing left to take back
        caches["ratelimit"].incr(hit.bucket_key, -1)


def window_clear(*, key: str, window_seconds: float) -> None:
    """Forget every hit of ``key``."""
    current, previous, _overlap = _buckets(key, window_seconds)
    cache = caches["ratelimit"]
    cache.delete(current)
    cache.delete(previous)
