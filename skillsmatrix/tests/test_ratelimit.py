from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from skillsmatrix.ratelimit import client_address, client_key, rate_limit_hit


def test_allows_up_to_the_limit_then_says_how_long_to_wait():
    cache.clear()
    hits = [rate_limit_hit(scope="t", key="k", limit=3, window_seconds=60) for _ in range(4)]
    assert hits[:3] == [None, None, None]
    assert hits[3] is not None
    assert 1 <= hits[3] <= 60
    # Another key has its own budget.
    assert rate_limit_hit(scope="t", key="other", limit=3, window_seconds=60) is None


@pytest.mark.django_db
def test_client_key_prefers_the_member(member):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert client_key(request) == "ip:10.0.0.7"
    request.user = member
    assert client_key(request) == f"user:{member.pk}"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.1"),
        (0, "203.0.113.9", "10.0.0.1"),  # nobody vouches for the header
        (1, "", "10.0.0.1"),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client forged the left entry
        (2, "6.6.6.6, 203.0.113.9, 10.1.1.1", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
        (1, " , ", "10.0.0.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    meta = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}

    assert client_address(meta) == expected


def test_forged_forwarded_for_does_not_reset_a_form_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    from django.contrib.auth.models import AnonymousUser

    keys = set()
    for forged in ("1.1.1.1", "2.2.2.2"):
        request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.7", HTTP_X_FORWARDED_FOR=forged)
        request.user = AnonymousUser()
        keys.add(client_key(request))
    assert keys == {"ip:10.0.0.7"}
