"""The API's throttle (its own module: DRF loads it while ``rest_framework.views`` imports)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from skillsmatrix.ratelimit import client_address, rate_limit_hit

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientRateThrottle(BaseThrottle):
    """DRF's ``anon`` and ``user`` rates (``N/period``), counted per client in fixed windows.

    One counter per client instead of DRF's sliding log, which stores and re-pickles a timestamp
    per request: at 600/min that is hundreds of entries read and written on every call.
    """

    def allow_request(self, request: Request, view: APIView) -> bool:
        user = request.user
        scope = "user" if user and user.is_authenticated else "anon"
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        limit, window = SimpleRateThrottle.parse_rate(None, rate)  # type: ignore[arg-type]
        if limit is None or window is None:  # no rate for this scope
            return True
        # Not DRF's get_ident(): it trusts X-Forwarded-For unless NUM_PROXIES is set.
        who = f"user:{user.pk}" if scope == "user" else f"ip:{client_address(request.META)}"
        self._wait = rate_limit_hit(
            scope=f"api-{scope}", key=who, limit=limit, window_seconds=window
        )
        return self._wait is None

    def wait(self) -> int | None:
        return self._wait
