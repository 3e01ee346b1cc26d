"""A small fixed-window rate limit on the ``ratelimit`` cache: Redis while it answers, the
database while it does not (:class:`skillsmatrix.cache.FailoverCache`), so limits never lapse."""

from __future__ import annotations

import time
from collections.abc import Mapping
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


def rate_limit_hit(*, scope: str, key: str, limit: int, window_seconds: int) -> int | None:
    """Count one hit of ``key`` in ``scope``; return the seconds to wait when over ``limit``
    in the current window, else None."""
    now = time.time()
    bucket = int(now // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{bucket}"
    cache = caches["ratelimit"]
    # One round trip in the common case. On the window's first hit incr() finds no key; add()
    # then creates it unless a concurrent first hit just did, in which case incr() again.
    try:
        count = cache.incr(cache_key)
    except ValueError:
        count = 1 if cache.add(cache_key, 1, window_seconds + 1) else cache.incr(cache_key)
    if count > limit:
        return max(1, int(window_seconds - now % window_seconds))
    return None
