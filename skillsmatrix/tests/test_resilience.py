"""A Redis outage degrades to cache misses and database-counted rate limits: every page and API
still answers, every limit still limits. (The same against real hung and killed Redis servers,
on gunicorn: ``test_faults.py``.)"""

from __future__ import annotations

import time

import pytest
from django.core.cache import caches

from proposals.tests.factories import ProposalFactory
from skillsmatrix.models import RateLimitEntry
from skillsmatrix.settings import redis_caches

# Nothing listens on port 1: every connection is refused at once.
DEAD_REDIS = redis_caches("redis://127.0.0.1:1/0")


@pytest.fixture
def redis_down(settings):
    settings.CACHES = DEAD_REDIS


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?q=docker",
        "/roles/mlops-engineer/",
        "/roles/mlops-engineer/cells/docker/lead/",
        "/roles/mlops-engineer/grade/",
        "/api/v1/roles/mlops-engineer/",
    ],
)
def test_pages_render_without_redis(client, seed_role, redis_down, path):
    assert client.get(path).status_code == 200


def test_grading_and_sharing_work_without_redis(client, seed_role, redis_down):
    api = client.post(
        "/api/v1/roles/mlops-engineer/grade/",
        data={"ratings": {"docker": "W"}},
        content_type="application/json",
    )
    assert api.status_code == 200
    assert api.json()["next_level"] == "junior"
    share = client.post("/roles/mlops-engineer/grade/share/", {"rating-docker": "W"})
    assert share.status_code == 302
    assert client.get(share["Location"]).status_code == 200


def test_readyz_reports_the_cache_outage(client, db, redis_down):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["cache"] == "unavailable"


def test_rate_limits_count_in_the_database_without_redis(client, seed_role, redis_down, settings):
    settings.PROPOSAL_WRITES_PER_MINUTE = 2
    proposal = ProposalFactory.create(role=seed_role)
    voter = ProposalFactory.create(role=seed_role).author  # a verified member
    client.force_login(voter)
    url = f"/api/v1/proposals/{proposal.pk}/vote/"
    statuses = [
        client.post(url, {"value": value}, content_type="application/json").status_code
        for value in (1, -1, 1)
    ]
    assert statuses == [200, 200, 429]
    assert proposal.votes.get().value == -1  # the third write was refused
    assert RateLimitEntry.objects.filter(cache_key__contains="proposal-writes").exists()


def test_sign_in_guessing_is_limited_without_redis(client, verified_member, redis_down, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/15m/ip"}
    wrong = {"login": "verified", "password": "not-the-password"}
    statuses = [client.post("/accounts/login/", wrong).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the form with its error, then the limit
    assert "Too many sign-in attempts" in client.post("/accounts/login/", wrong).content.decode()
    # allauth's counts went to the rate limits' database fallback, not nowhere.
    assert RateLimitEntry.objects.filter(cache_key__contains=":login:").exists()


def test_signing_in_works_without_redis(client, verified_member, redis_down):
    response = client.post("/accounts/login/", {"login": "verified", "password": "pw-verified-123"})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_sign_ups_are_limited_without_redis(client, db, redis_down, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/h/ip"}
    signup = {"username": "one", "email": "one@example.com"}
    signup |= {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
    assert client.post("/accounts/signup/", signup).status_code == 302
    client.post("/accounts/logout/")
    again = {**signup, "username": "two", "email": "two@example.com"}
    assert client.post("/accounts/signup/", again).status_code == 429


def test_a_hung_redis_costs_one_short_timeout_then_nothing(hung_redis, settings, db):
    """With the circuit open, cache calls skip Redis: a second call is immediate."""
    settings.CACHES = redis_caches(hung_redis)
    cache = caches["default"]
    start = time.monotonic()
    assert cache.get("anything") is None
    first = time.monotonic() - start
    start = time.monotonic()
    for _ in range(20):
        assert cache.get("anything") is None
    rest = time.monotonic() - start
    assert first < settings.REDIS_SOCKET_TIMEOUT + 0.5
    assert rest < 0.1
