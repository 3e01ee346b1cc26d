"""A Redis outage degrades to cache misses: every page and API still answers."""

from __future__ import annotations

import logging

import pytest

DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def redis_down(settings, caplog):
    settings.CACHES = DEAD_REDIS
    caplog.set_level(logging.CRITICAL, logger="django_redis")


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
