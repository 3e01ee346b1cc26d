"""Error reports to Sentry, on only when ``SENTRY_DSN`` is set (settings call :func:`sentry_init`).

Reports carry no personal data: no user (id, email or address: ``send_default_pii`` off), no
request bodies (sign-in and sign-up forms hold passwords), no cookies and no query strings. A
report is tagged with the request id its page showed (:mod:`skillsmatrix.observability`).
"""

from __future__ import annotations

from typing import Any


def _scrubbed(event: Any, hint: Any) -> Any:
    """The event without the request's query string and cookies (tokens travel in them)."""
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)
        request.pop("cookies", None)
        url = request.get("url")
        if isinstance(url, str):
            request["url"] = url.split("?", 1)[0]
    return event


def sentry_init(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Start the SDK with its Django and Celery integrations."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=_scrubbed,
        before_send_transaction=_scrubbed,
    )
