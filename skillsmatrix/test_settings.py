"""Test settings: the real settings, plus fast hashing and no outgoing mail."""

from __future__ import annotations

from skillsmatrix.settings import *  # noqa: F403
from skillsmatrix.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
CELERY_TASK_ALWAYS_EAGER = True
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# Tests change what /readyz sees from one request to the next: no per-process answer kept.
READYZ_CACHE_SECONDS = 0.0
