"""/readyz answers promptly whatever state its parts are in, and cannot be used to tie up the
server; the system checks keep the broker's Redis apart from the cache's."""

from __future__ import annotations

import time

import pytest

from skillsmatrix import views
from skillsmatrix.checks import (
    broker_redis_keeps_everything,
    cache_and_broker_apart,
    site_url_is_public,
)
from skillsmatrix.tests.servers import RedisServer


@pytest.fixture(autouse=True)
def _no_kept_answer():
    views._last_readiness = None
    yield
    views._last_readiness = None


@pytest.fixture
def broker_at(settings):
    """Point the broker (and the Celery app) at a URL for one test."""
    from skillsmatrix.celery import app

    original = app.conf.broker_url

    def point(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        app.conf.update(broker_url=url)

    yield point
    app.conf.update(broker_url=original)


@pytest.mark.django_db
def test_a_hung_broker_is_named_within_the_deadline(client, hung_redis, broker_at, settings):
    broker_at(hung_redis)
    start = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - start < settings.READYZ_TIMEOUT + 0.5
    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "database": "ok",
        "cache": "ok",
        "broker": "unavailable",
    }


@pytest.mark.django_db
def test_a_check_that_hangs_is_cut_off_at_the_deadline(client, monkeypatch, settings):
    settings.READYZ_TIMEOUT = 0.5

    def hangs() -> str:
        time.sleep(2)
        return "ok"

    monkeypatch.setattr(views, "_check_broker", hangs)
    start = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - start < 1.0
    assert response.status_code == 503
    assert response.json()["broker"] == "timeout"
    assert response.json()["cache"] == "ok"


@pytest.mark.django_db
def test_the_answer_is_kept_for_a_moment(client, monkeypatch, settings):
    """A flood of calls shares one check per READYZ_CACHE_SECONDS and process."""
    settings.READYZ_CACHE_SECONDS = 60
    calls: list[float] = []

    def counted() -> str:
        calls.append(time.monotonic())
        return "ok"

    monkeypatch.setattr(views, "_check_cache", counted)
    assert all(client.get("/readyz").status_code == 200 for _ in range(20))
    assert len(calls) == 1
    settings.READYZ_CACHE_SECONDS = 0
    client.get("/readyz")
    assert len(calls) == 2


def test_cache_and_broker_in_one_redis_database_is_an_error(settings):
    settings.REDIS_URL = "redis://redis:6379/0"
    settings.CELERY_BROKER_URL = "redis://redis:6379"  # database 0 too
    assert [error.id for error in cache_and_broker_apart(None)] == ["skillsmatrix.E002"]
    settings.CELERY_BROKER_URL = "redis://redis:6379/1"
    assert cache_and_broker_apart(None) == []
    settings.CELERY_BROKER_URL = "redis://broker:6379/0"  # another server
    assert cache_and_broker_apart(None) == []


def test_a_broker_redis_that_evicts_is_reported(tmp_path, settings):
    evicting = RedisServer(tmp_path, "--maxmemory-policy", "allkeys-lru").start()
    try:
        settings.CELERY_BROKER_URL = evicting.url(1)
        assert [w.id for w in broker_redis_keeps_everything(None)] == ["skillsmatrix.W001"]
        evicting.client().config_set("maxmemory-policy", "noeviction")
        assert broker_redis_keeps_everything(None) == []
    finally:
        evicting.kill()
    # Down: nothing to say (readiness reports it).
    assert broker_redis_keeps_everything(None) == []


def test_a_site_url_on_this_machine_is_reported_when_debug_is_off(settings):
    settings.DEBUG = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in site_url_is_public(None)] == ["skillsmatrix.W002"]
    settings.SITE_URL = "http://[::1]:8000"
    assert [w.id for w in site_url_is_public(None)] == ["skillsmatrix.W002"]
    settings.SITE_URL = "https://skills.example.com"
    assert site_url_is_public(None) == []
    settings.DEBUG = True  # `make run`: this machine is the site
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert site_url_is_public(None) == []
