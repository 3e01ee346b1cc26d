from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from skillsmatrix import settings
from skillsmatrix.tests.production import DEPLOY_CHECK, PRODUCTION, run_python


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


def _settings(names: str, **env: str) -> list[str]:
    """The values of the space-separated setting ``names`` as a fresh process reads them."""
    code = (
        "from skillsmatrix import settings as s; print("
        + ", ".join(f"s.{name}" for name in names.split())
        + ")"
    )
    result = run_python(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_embedded_default_is_sqlite_locmem_and_eager():
    assert _settings(
        "DATABASES['default']['ENGINE'] CACHES['default']['BACKEND'] CELERY_TASK_ALWAYS_EAGER DEBUG"
    ) == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "True",
        "False",
    ]


def test_a_bad_setting_stops_the_app_with_its_name():
    result = run_python(["manage.py", "check"], VOTING_QUORUM="many")
    assert result.returncode != 0
    assert "VOTING_QUORUM must be an integer, got 'many'" in result.stderr


def test_production_settings_pass_the_deploy_check(static_root):
    # No HSTS variable needed: HTTPS on gives HSTS its default.
    result = run_python(DEPLOY_CHECK, **PRODUCTION, DJANGO_STATIC_ROOT=str(static_root))
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_wants_the_static_files_collected(tmp_path):
    result = run_python(DEPLOY_CHECK, **PRODUCTION, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode != 0
    assert "skillsmatrix.E001" in result.stderr
    assert "collectstatic" in result.stderr


def test_the_deploy_check_wants_a_site_url_that_is_not_this_machine(static_root):
    production = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(static_root)}
    del production["SITE_URL"]
    result = run_python(DEPLOY_CHECK, **production)
    assert result.returncode != 0
    assert "skillsmatrix.W002" in result.stderr
    assert "SITE_URL is http://127.0.0.1:8000" in result.stderr
    result = run_python(DEPLOY_CHECK, **production, SITE_URL="http://localhost:8000/")
    assert "skillsmatrix.W002" in result.stderr


def test_the_embedded_default_is_flagged_by_the_deploy_check():
    result = run_python(DEPLOY_CHECK)
    assert result.returncode != 0
    assert "security.W009" in result.stderr  # the development secret key


HSTS = "SECURE_HSTS_SECONDS SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD"


def test_https_turns_on_a_year_of_hsts_for_this_host_only():
    assert _settings(HSTS, **PRODUCTION) == ["31536000", "False", "False"]


def test_no_hsts_without_https():
    assert _settings(HSTS) == ["0", "False", "False"]


def test_hsts_subdomains_and_preload_are_opt_ins(static_root):
    env = {
        **PRODUCTION,
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "DJANGO_SECURE_HSTS_PRELOAD": "true",
    }
    assert _settings(HSTS, **env) == ["31536000", "True", "True"]
    result = run_python(DEPLOY_CHECK, **env)
    assert result.returncode == 0, result.stderr
    assert "0 silenced" in result.stdout


def test_hsts_can_be_shortened_or_turned_off_and_the_deploy_check_says_so():
    assert _settings(HSTS, **PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="3600")[0] == "3600"
    result = run_python(DEPLOY_CHECK, **PRODUCTION, DJANGO_SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr


@pytest.mark.parametrize(
    "extra",
    [
        {},  # preload without includeSubDomains
        {"DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "DJANGO_SECURE_HSTS_SECONDS": "86400"},
    ],
)
def test_preload_is_refused_unless_the_preload_list_would_take_the_site(extra):
    result = run_python(
        ["manage.py", "check"], **PRODUCTION, DJANGO_SECURE_HSTS_PRELOAD="true", **extra
    )
    assert result.returncode != 0
    assert "DJANGO_SECURE_HSTS_PRELOAD needs DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=true" in (
        result.stderr
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["None", "0"]),
        (
            {"DJANGO_TRUST_X_FORWARDED_PROTO": "true", "TRUSTED_PROXY_COUNT": "1"},
            ["HTTP_X_FORWARDED_PROTO:https", "1"],
        ),
    ],
)
def test_proxy_headers_are_trusted_only_when_configured(env, expected):
    # Django's own settings, not the module: an unset SECURE_PROXY_SSL_HEADER is Django's None.
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(':'.join(s.SECURE_PROXY_SSL_HEADER or ['None']), s.TRUSTED_PROXY_COUNT)"
    )
    result = run_python(["-c", code], **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == expected


def test_the_voting_window_takes_fractions_of_an_hour():
    assert _settings("VOTING_WINDOW_HOURS", VOTING_WINDOW_HOURS="0.5") == ["0.5"]


def test_the_deploy_check_refuses_a_cache_of_each_process(static_root):
    # Two replicas (or gunicorn workers) on local-memory caches serve a role's old version after
    # a change, and count rate limits each on its own.
    production = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(static_root)}
    del production["REDIS_URL"]
    result = run_python(DEPLOY_CHECK, **production)
    assert result.returncode != 0
    assert "skillsmatrix.E003" in result.stderr
    assert "The 'default' cache is kept in each process" in result.stderr
    assert "The 'ratelimit' cache is kept in each process" in result.stderr
    # An error, not a warning: the deploy check fails at its default level too.
    result = run_python(["manage.py", "check", "--deploy"], **production)
    assert result.returncode != 0
    # In DEBUG (make run: one process) the embedded default's cache is fine.
    result = run_python(["manage.py", "check", "--deploy"], **production, DJANGO_DEBUG="true")
    assert "skillsmatrix.E003" not in result.stderr


POOLED = "postgres://app@pgbouncer.internal:6432/skillsmatrix?prepare_threshold=5"


def test_behind_pgbouncer_nothing_outlives_a_transaction():
    names = (
        "DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'] "
        "DATABASES['default']['OPTIONS']['prepare_threshold'] "
        "DATABASES['default']['CONN_MAX_AGE'] DATABASES['default']['CONN_HEALTH_CHECKS']"
    )
    # Server-side cursors off, and prepared statements off even when the URL asks for them;
    # persistent connections (to PgBouncer) stay, checked before each reuse.
    assert _settings(names, DATABASE_URL=POOLED, DATABASE_POOLER="pgbouncer") == [
        "True",
        "None",
        "60",
        "True",
    ]
    # Straight to PostgreSQL, server-side cursors serve ``.iterator()`` as usual.
    assert _settings(names.split()[0], DATABASE_URL=POOLED) == ["False"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": POOLED, "DATABASE_POOLER": "pgpool"}, "DATABASE_POOLER must be"),
        ({"DATABASE_POOLER": "pgbouncer"}, "DATABASE_POOLER=pgbouncer needs a postgres://"),
    ],
)
def test_a_pooler_setting_that_cannot_work_stops_the_app(env, message):
    result = run_python(["manage.py", "check"], **env)
    assert result.returncode != 0
    assert message in result.stderr
