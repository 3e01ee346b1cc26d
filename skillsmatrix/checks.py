"""System checks of the project's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import redis
from django.apps import AppConfig
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.files.storage import storages


@register(Tags.staticfiles, deploy=True)
def static_files_collected(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Production storage serves hashed names from the manifest `collectstatic` writes; without
    it every page that links a static file fails."""
    # Typed as a plain object: the stubs deem a Storage that is a ManifestFilesMixin impossible.
    storage: object = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.manifest_storage is None:
        return []
    if storage.manifest_storage.exists(storage.manifest_name):
        return []
    return [
        Error(
            f"No static files manifest in {settings.STATIC_ROOT}.",
            hint="Run `manage.py collectstatic` with these settings (the image does so).",
            id="skillsmatrix.E001",
        )
    ]


def _redis_database(url: str) -> tuple[str, int] | None:
    """(server, database number) of a Redis URL, or None for another kind of URL."""
    try:
        params = redis.connection.parse_url(url)  # type: ignore[no-untyped-call] # redis-py
    except ValueError:
        return None
    server = params.get("path") or "{}:{}".format(
        params.get("host", "localhost"), params.get("port", 6379)
    )
    return str(server), int(params.get("db", 0))


@register(Tags.caches)
def cache_and_broker_apart(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """The cache's Redis database is flushed (tests, operators) and may evict keys: the broker's
    queues, Celery's results and beat's lock must live in another database."""
    cache_db = _redis_database(settings.REDIS_URL) if settings.REDIS_URL else None
    errors: list[CheckMessage] = []
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "BEAT_LOCK_URL"):
        url = getattr(settings, name, None) or ""
        if cache_db is not None and url and _redis_database(url) == cache_db:
            errors.append(
                Error(
                    f"REDIS_URL and {name} name the same Redis database ({url}).",
                    hint="Give the broker a database (or a Redis server) of its own, e.g. "
                    "redis://host:6379/1 for the broker and redis://host:6379/0 for the cache.",
                    id="skillsmatrix.E002",
                )
            )
    return errors


@register(Tags.caches)
def broker_redis_keeps_everything(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A Redis whose ``maxmemory-policy`` evicts keys may drop queued tasks. Asked of the
    broker's Redis itself, briefly; a Redis that is down or will not say is not reported."""
    url = settings.CELERY_BROKER_URL
    if not url or _redis_database(url) is None:
        return []
    client = redis.Redis.from_url(
        url,
        socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        socket_connect_timeout=settings.REDIS_CONNECT_TIMEOUT,
    )
    try:
        policy = str(client.config_get("maxmemory-policy").get("maxmemory-policy", ""))
    except redis.exceptions.RedisError:  # down, or CONFIG not allowed (managed Redis)
        return []
    finally:
        client.close()
    if policy in {"", "noeviction"}:
        return []
    return [
        Warning(
            f"The broker's Redis evicts keys (maxmemory-policy {policy}): queued tasks may be "
            "lost when it runs out of memory.",
            hint="Run the broker on a Redis with `maxmemory-policy noeviction` (docker-compose's "
            "`broker` service), apart from the cache's.",
            id="skillsmatrix.W001",
        )
    ]


LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


@register(deploy=True)
def site_url_is_public(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Emails link to pages at ``SITE_URL``; left at its default (this machine) on a site, every
    link in them points to the reader's own computer."""
    if settings.DEBUG:
        return []
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host not in LOOPBACK_HOSTS:
        return []
    return [
        Warning(
            f"SITE_URL is {settings.SITE_URL}: the links in notification emails point to the "
            "reader's own computer.",
            hint="Set SITE_URL to the address visitors reach the site at, e.g. "
            "https://skills.example.com (the worker sends the emails: set it there too).",
            id="skillsmatrix.W002",
        )
    ]


# Cache backends that keep their entries in each process (or keep none): with several processes
# each has its own, so they disagree about what changed and each counts its own rate limits.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def cache_shared_by_every_process(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """A site runs several processes (gunicorn workers, replicas, the Celery worker): a cache of
    each process's own serves a role's old version after a change (until its entry expires) and
    lets each process count rate limits apart. The embedded default's local-memory cache is for
    one process in DEBUG only."""
    if settings.DEBUG:
        return []
    return [
        Error(
            f"The {alias!r} cache is kept in each process ({config['BACKEND']}): each web "
            "process and replica has its own, so pages go stale and rate limits count apart.",
            hint="Set REDIS_URL to a Redis every web process and worker shares, e.g. "
            "redis://host:6379/0 (docker-compose's `redis` service).",
            id="skillsmatrix.E003",
        )
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") in PER_PROCESS_CACHES
    ]
