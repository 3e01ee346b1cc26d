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

# A visibility timeout of seconds, for the test of a whole worker killed mid-task (its message is
# handed out again only after this long). The site's rule (settings: longer than the longest
# retry countdown plus the longest task, 300 s) is checked at import and would refuse it; it is
# set here, after that check, because the test runs only short tasks without retries. Redis is
# also asked to look for such messages every second instead of every 100.
if os.environ.get("WORKER_TEST_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": int(os.environ["WORKER_TEST_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
