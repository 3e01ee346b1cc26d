"""``/metrics``: the Prometheus scrape of a web server (docs/observability.md).

It reports what the processes recorded (:mod:`skillsmatrix.metrics`) and the gauges computed
when it is scraped: proposals by status, votes, assessments, role versions, members and the
notification outbox. Those are COUNT queries, kept ``METRICS_GAUGES_CACHE_SECONDS`` in the
cache (shared by the replicas), so frequent scrapes by several Prometheus servers cost the
database one round of them per period.

**The guard.** ``METRICS_TOKEN`` set: only ``Authorization: Bearer <token>`` gets the metrics
(compared in constant time); no credentials answer 401, wrong ones 403. Unset: ``/metrics``
answers 404 unless ``DEBUG`` is on (``make run``), so a deployment that forgot the token
exposes nothing. A token rather than a separate port: the web server has one port in every
deployment here (compose, Kubernetes, a PaaS), and the same guard works behind any of them.

The first middleware but one answers ``/metrics`` (:class:`MetricsEndpointMiddleware`), before
the host check and the HTTPS redirect: Prometheus scrapes each server by its address, over
the cluster's network, with a Host header ``ALLOWED_HOSTS`` would refuse. Nothing it answers
builds a link from the host, and the token is its guard.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from django.utils.cache import add_never_cache_headers
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from grading.selectors import assessment_count
from proposals.selectors import outbox_backlog, proposal_counts_by_status, vote_counts
from roles.selectors import role_version_count
from skillsmatrix import metrics
from skillsmatrix.accounts.selectors import member_count

METRICS_PATH = "/metrics"
_GAUGES_CACHE_KEY = "metrics:gauges:v1"


def _counts() -> dict[str, Any]:
    """The scrape-time counts (6 queries), kept in the cache for a while."""
    kept = cache.get(_GAUGES_CACHE_KEY) if settings.METRICS_GAUGES_CACHE_SECONDS else None
    if kept is not None:
        return dict(kept)
    backlog = outbox_backlog()
    counts = {
        "proposals": proposal_counts_by_status(),
        "votes": vote_counts(),
        "assessments": assessment_count(),
        "role_versions": role_version_count(),
        "members": member_count(),
        "outbox_pending": backlog.pending,
        "outbox_failed": backlog.failed,
        # A time, not an age: the age is worked out at each scrape, so a kept answer still
        # shows the backlog ageing.
        "outbox_oldest": backlog.oldest.timestamp() if backlog.oldest is not None else None,
    }
    if settings.METRICS_GAUGES_CACHE_SECONDS:
        cache.set(_GAUGES_CACHE_KEY, counts, settings.METRICS_GAUGES_CACHE_SECONDS)
    return counts


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class SiteGaugesCollector(Collector):
    """The gauges a scrape computes: the same on every replica (take ``max`` across them)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = _counts()
        proposals = GaugeMetricFamily(
            "skillsmatrix_proposals", "Proposals, by status.", labels=["status"]
        )
        for status, count in sorted(counts["proposals"].items()):
            proposals.add_metric([status], count)
        yield proposals
        votes = GaugeMetricFamily(
            "skillsmatrix_votes", "Votes cast on proposals, by value.", labels=["value"]
        )
        for value, count in sorted(counts["votes"].items()):
            votes.add_metric([value], count)
        yield votes
        yield _gauge(
            "skillsmatrix_assessments",
            "Assessments kept (visitors' are deleted after ASSESSMENT_RETENTION_DAYS).",
            counts["assessments"],
        )
        yield _gauge(
            "skillsmatrix_role_versions", "Role versions published.", counts["role_versions"]
        )
        yield _gauge("skillsmatrix_members", "Active member accounts.", counts["members"])
        yield _gauge(
            "skillsmatrix_outbox_pending",
            "Notification emails waiting to be sent.",
            counts["outbox_pending"],
        )
        oldest = counts["outbox_oldest"]
        yield _gauge(
            "skillsmatrix_outbox_oldest_pending_age_seconds",
            "Age of the oldest notification email waiting to be sent (0 when none waits).",
            max(0.0, time.time() - oldest) if oldest is not None else 0.0,
        )
        yield _gauge(
            "skillsmatrix_outbox_failed",
            "Notification emails given up on after repeated failures (for an operator).",
            counts["outbox_failed"],
        )


def _refusal(status: int, text: str, **headers: str) -> HttpResponse:
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    for name, value in headers.items():
        response[name] = value
    return response


def _refused(request: HttpRequest) -> HttpResponse | None:
    """The answer to a scrape the guard refuses, or None when it may have the metrics."""
    token = settings.METRICS_TOKEN
    if not token:
        return None if settings.DEBUG else _refusal(404, "Not found.\n")
    scheme, _space, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return _refusal(
            401,
            "A bearer token is required.\n",
            **{"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return _refusal(403, "Wrong token.\n")
    return None


def metrics_page(request: HttpRequest) -> HttpResponse:
    """The Prometheus text of this server (every process's, in multiprocess mode)."""
    if request.method not in ("GET", "HEAD"):
        response = _refusal(405, "Method not allowed.\n", Allow="GET, HEAD")
    else:
        response = _refused(request) or HttpResponse(
            metrics.exposition([SiteGaugesCollector()]), content_type=metrics.CONTENT_TYPE
        )
    add_never_cache_headers(response)
    return response


class MetricsEndpointMiddleware:
    """Answers ``/metrics`` itself, ahead of the host check and the HTTPS redirect (above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != METRICS_PATH:
            return self.get_response(request)
        # Named like a resolved URL, so the request's metrics and log line say "metrics".
        request.resolver_match = ResolverMatch(
            metrics_page, (), {}, url_name="metrics", route="metrics"
        )
        return metrics_page(request)
