"""Running our code in a fresh process with production-like settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_SECRET_KEY": "a-production-secret-" + "k3y" * 15,
    "DJANGO_SECURE_SSL_REDIRECT": "true",
    "DJANGO_ALLOWED_HOSTS": "skills.example.com",
    "SITE_URL": "https://skills.example.com",
    # A cache every process shares, as a site has (the deploy check refuses a per-process one:
    # skillsmatrix.E003); at a port where nothing listens, as nothing these tests run needs it
    # (a failed cache call is a miss).
    "REDIS_URL": "redis://127.0.0.1:1/0",
}

DEPLOY_CHECK = ["manage.py", "check", "--deploy", "--fail-level", "WARNING"]


def run_python(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """Our own interpreter on our own code, with only ``env`` (and PATH) set."""
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "skillsmatrix.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
