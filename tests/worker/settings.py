"""Settings of the Celery workers the integration tests start: the test settings, with a real
broker (CELERY_BROKER_URL), emails written to files the test reads (WORKER_EMAIL_DIR), the
tests' pause hook (TASK_PAUSE_DIR), and database connections kept as in production, so a
terminated connection is noticed by the health check rather than avoided."""

from __future__ import annotations

import os

from skillsmatrix.test_settings import *  # noqa: F403
from skillsmatrix.test_settings import DATABASES

CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["WORKER_EMAIL_DIR"]
TASK_PAUSE_DIR = os.environ.get("TASK_PAUSE_DIR", "")
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
