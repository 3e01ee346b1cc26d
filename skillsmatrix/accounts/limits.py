"""allauth's rate limits (sign-in, sign-up, password reset, …) counted in the site's sliding
windows (:mod:`skillsmatrix.ratelimit`) instead of allauth's own.

allauth keeps each limit as a list of attempt times, read and written back under a lock that it
takes with a cache ``add`` (a Redis ``SET … NX EX 10``) and waits for up to a second, refusing
the request (429) when it cannot get it. A hung Redis broke that: the ``add`` that timed out
stayed queued in the server and ran when it answered again, after the request had counted in
the database and let go of a lock it never had there. The lock key then stood in Redis for ten
seconds, and every worker that did not happen to replay that request's deletion refused the
next sign-ins from that address (the probe saw 429 after 7 of 10 allowed). Here nothing is
locked: a hit is one atomic ``incr`` (or the ``add`` of a window's first hit, with its expiry in
the same command) and a ``get``; a late command adds at most the hit it carried.

allauth has no setting for this: :func:`install` (from ``skillsmatrix.apps``) replaces the two
functions of ``allauth.core.internal.ratelimit`` that touch the cache, keeping its rates, keys,
and everything around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from allauth.core.exceptions import RateLimited
from allauth.core.internal import ratelimit
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from skillsmatrix.ratelimit import WindowHit, window_clear, window_count, window_hit, window_undo


@dataclass
class WindowUsage:
    """What allauth keeps of an allowed hit, to take it back (``rollback``) when the attempt
    turns out not to count, e.g. a failed sign-in's that succeeded."""

    hit: WindowHit | None  # None: a dry run, which counted nothing

    def rollback(self) -> None:
        if self.hit is not None:
            window_undo(self.hit)


def consume_single_rate(
    request: HttpRequest,
    *,
    app: str,
    action: str,
    rate: ratelimit.Rate,
    key: Any = None,
    user: Any = None,
    dry_run: bool = False,
    raise_exception: bool = False,
) -> WindowUsage | None:
    """allauth's ``_consume_single_rate``: count one attempt against ``rate`` unless that would
    go over it (None, or ``RateLimited`` with ``raise_exception``). A refused attempt is not
    counted, as in allauth."""
    cache_key = ratelimit.get_cache_key(
        request, app=app, action=action, rate=rate, key=key, user=user
    )
    if dry_run:
        allowed = window_count(key=cache_key, window_seconds=rate.duration) + 1 <= rate.amount
        usage = WindowUsage(None)
    else:
        hit = window_hit(key=cache_key, window_seconds=rate.duration)
        allowed = hit.count <= rate.amount
        if not allowed:
            window_undo(hit)
        usage = WindowUsage(hit)
    if allowed:
        return usage
    if raise_exception:
        raise RateLimited
    return None


def clear(
    request: HttpRequest,
    *,
    app: str,
    action: str,
    config: dict[str, str] | None = None,
    key: Any = None,
    user: Any = None,
) -> None:
    """allauth's ``clear``: forget every attempt counted for ``action`` (e.g. the failed
    sign-ins of an account whose password was just reset)."""
    for rate in ratelimit.get_rates(app=app, action=action, config=config):
        cache_key = ratelimit.get_cache_key(
            request, app=app, action=action, rate=rate, key=key, user=user
        )
        window_clear(key=cache_key, window_seconds=rate.duration)


def install() -> None:
    """Count allauth's limits here (once, at start)."""
    for name in ("_consume_single_rate", "clear", "get_cache_key", "get_rates"):
        if not hasattr(ratelimit, name):  # pragma: no cover - an allauth upgrade moved it
            raise ImproperlyConfigured(
                f"allauth.core.internal.ratelimit has no `{name}` any more: see {__name__}"
            )
    ratelimit._consume_single_rate = consume_single_rate
    ratelimit.clear = clear
