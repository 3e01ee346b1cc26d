from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from skillsmatrix import settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("no", False)]
)
def test_env_bool_reads_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert settings.env_bool("X_FLAG") is expected


def test_env_bool_default(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert settings.env_bool("X_FLAG", True) is True


@pytest.mark.parametrize(
    ("helper", "raw", "message"),
    [
        (lambda: settings.env_bool("X_VALUE"), "maybe", "X_VALUE must be a boolean"),
        (lambda: settings.env_int("X_VALUE", 1), "many", "X_VALUE must be an integer"),
        (lambda: settings.env_int("X_VALUE", 1, minimum=1), "0", "at least 1"),
        (lambda: settings.env_float("X_VALUE", 0.5, low=0, high=1), "1.5", "between 0 and 1"),
        (lambda: settings.env_float("X_VALUE", 0.5, low=0, high=1), "half", "must be a number"),
        (lambda: settings.env_rate("X_VALUE", "1/min"), "lots", "must look like '120/min'"),
    ],
)
def test_helpers_refuse_bad_values(monkeypatch, helper, raw, message):
    monkeypatch.setenv("X_VALUE", raw)
    with pytest.raises(ImproperlyConfigured, match=message):
        helper()


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("X_HOSTS", " a.example , b.example,, ")
    assert settings.env_list("X_HOSTS", []) == ["a.example", "b.example"]


def test_embedded_default_is_sqlite_locmem_and_eager():
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [
            sys.executable,
            "-c",
            "from skillsmatrix import settings as s;"
            "print(s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
            " s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "False",
    ]


def test_a_bad_setting_stops_the_app_with_its_name():
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "VOTING_QUORUM": "many"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "VOTING_QUORUM must be an integer, got 'many'" in result.stderr


def test_production_settings_pass_the_deploy_check():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": "a-production-secret-" + "k3y" * 15,
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_ALLOWED_HOSTS": "skills.example.com",
    }
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_embedded_default_is_flagged_by_the_deploy_check():
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stderr  # the development secret key


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "None 0"),
        (
            {"DJANGO_TRUST_X_FORWARDED_PROTO": "true", "TRUSTED_PROXY_COUNT": "1"},
            "('HTTP_X_FORWARDED_PROTO', 'https') 1",
        ),
    ],
)
def test_proxy_headers_are_trusted_only_when_configured(env, expected):
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [
            sys.executable,
            "-c",
            "from skillsmatrix import settings as s;"
            "print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None), s.TRUSTED_PROXY_COUNT)",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected
