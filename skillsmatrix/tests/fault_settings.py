"""The fault tests' server: the real settings (persistent database connections, Redis from the
environment), with fast password hashing, no outgoing mail and static files from the source."""

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
