from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from skillsmatrix.ratelimit import client_key, rate_limit_hit


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
