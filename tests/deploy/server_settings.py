"""Settings of the app servers the two-replica tests start behind nginx: the production
settings (DEBUG off, the cache on REDIS_URL, persistent database connections), with two
differences that only save the tests time: static files come from the source folders (no
`collectstatic` before each run) and passwords use the tests' fast hasher, so the members the
tests make sign in."""

from __future__ import annotations

from skillsmatrix.settings import *  # noqa: F403
from skillsmatrix.settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
