"""Skills Matrix settings: one file, driven by the environment.

With nothing set the app runs on the embedded default (SQLite, a local-memory cache and Celery
in eager mode). Every helper below refuses a malformed value loudly instead of guessing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Django's generic classes as the type checker sees them (``ModelAdmin[Role]``, ``Feed[…]``).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_float(name: str, default: float, *, low: float, high: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name} must be between {low} and {high}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_rate(name: str, default: str) -> str:
    """A DRF throttle rate such as ``120/min``."""
    raw = os.environ.get(name, default)
    if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", raw):
        raise ImproperlyConfigured(f"{name} must look like '120/min', got {raw!r}")
    return raw


# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

# The fallback key only serves the embedded default; `check --deploy` flags it as insecure.
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or "django-insecure-embedded-default-change-me"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients):
# only then may the header say a request came over HTTPS.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies append to X-Forwarded-For; 0 uses the socket's address (DESIGN §7).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# A site served only over HTTPS tells browsers so for a year (the usual value, and the least the
# preload list accepts). The header covers this host only: includeSubDomains and preload reach
# other hosts of the domain and are slow to undo, so each is an explicit opt-in.
HSTS_ONE_YEAR = 365 * 24 * 60 * 60
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", HSTS_ONE_YEAR if SECURE_SSL_REDIRECT else 0, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
if SECURE_HSTS_PRELOAD and not (
    SECURE_HSTS_INCLUDE_SUBDOMAINS and SECURE_HSTS_SECONDS >= HSTS_ONE_YEAR
):
    raise ImproperlyConfigured(
        "DJANGO_SECURE_HSTS_PRELOAD needs DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS=true and "
        f"DJANGO_SECURE_HSTS_SECONDS of at least {HSTS_ONE_YEAR} (the preload list's terms)"
    )
# Declining the opt-ins is a decision, not an oversight: `check --deploy` need not warn of it.
SILENCED_SYSTEM_CHECKS = [
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SESSION_COOKIE_SECURE = SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "skillsmatrix",
    "roles",
    "proposals",
    "grading",
    # After the project's apps, so the site's templates override allauth's.
    "allauth",
    "allauth.account",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "skillsmatrix.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "skillsmatrix.urls"
WSGI_APPLICATION = "skillsmatrix.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "proposals.context_processors.inbox",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
# A hung Redis costs a call its socket timeout, so the timeouts are short, and after a failed
# call the process leaves that Redis alone for REDIS_BREAKER_SECONDS (skillsmatrix.breaker): a
# request pays at most one short timeout. Readiness answers within READYZ_TIMEOUT whatever the
# state of Redis, and keeps its answer READYZ_CACHE_SECONDS per process.
REDIS_CONNECT_TIMEOUT = env_float("REDIS_CONNECT_TIMEOUT", 0.25, low=0.01, high=30.0)
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.25, low=0.01, high=30.0)
REDIS_BREAKER_SECONDS = env_float("REDIS_BREAKER_SECONDS", 5.0, low=0.1, high=3600.0)
READYZ_TIMEOUT = env_float("READYZ_TIMEOUT", 1.5, low=0.1, high=30.0)
READYZ_CACHE_SECONDS = env_float("READYZ_CACHE_SECONDS", 1.0, low=0.0, high=60.0)


def redis_cache(url: str, *, ignore_exceptions: bool) -> dict[str, object]:
    """A django-redis cache whose client respects the circuit breaker (skillsmatrix.cache)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "skillsmatrix"),
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": ignore_exceptions,
            "REDIS_CLIENT_CLASS": "skillsmatrix.cache.BreakerRedis",
            "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
        },
    }


def redis_caches(url: str) -> dict[str, dict[str, object]]:
    """The caches on the Redis at ``url``."""
    return {
        # A Redis outage must not take pages down: a failed cache call is a miss.
        "default": redis_cache(url, ignore_exceptions=True),
        # Rate limits (the site's and allauth's) must not vanish with Redis: while it is
        # unreachable they count in the database, which every process shares (DESIGN §8).
        "ratelimit": {
            "BACKEND": "skillsmatrix.cache.FailoverCache",
            "OPTIONS": {
                "PRIMARY": redis_cache(url, ignore_exceptions=False),
                "FALLBACK": {"BACKEND": "skillsmatrix.cache.DatabaseCache"},
            },
        },
    }


if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "ratelimit",
        },
    }
# The breaker logs when a Redis stops and starts answering; a line per ignored call would not
# say more, only more often.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False

# --- Connection pooler (PgBouncer) ------------------------------------------------------------

# DATABASE_POOLER=pgbouncer: DATABASE_URL names a PgBouncer in transaction pooling mode, where
# each transaction may run on another server connection, so nothing may outlive a transaction.
# No server-side cursors (a named cursor lives across the fetches of ``.iterator()``) and no
# prepared statements (prepared on one server connection, executed on another; Django already
# leaves psycopg's off, and this keeps an OPTIONS from the URL from turning them on). Persistent
# connections stay (DATABASE_CONN_MAX_AGE): what they keep is a client connection to PgBouncer,
# which costs it almost nothing, and no server connection between transactions. docs/deploy.md
# says how to run PgBouncer for the site.
DATABASE_POOLERS = {"", "pgbouncer"}
DATABASE_POOLER = env_str("DATABASE_POOLER").strip().lower()
if DATABASE_POOLER not in DATABASE_POOLERS:
    raise ImproperlyConfigured(
        f"DATABASE_POOLER must be 'pgbouncer' or empty, got {env_str('DATABASE_POOLER')!r}"
    )
if DATABASE_POOLER == "pgbouncer":
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_POOLER=pgbouncer needs a postgres:// DATABASE_URL")
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "prepare_threshold": None,
    }

# --- Background work (Celery) -----------------------------------------------------------------

# Without a broker (the embedded default) tasks run eagerly, in the process that sends them.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged when received unless a task says otherwise: only idempotent tasks opt in to
# ``acks_late`` and ``reject_on_worker_lost`` (every task of this project does, see tasks.py).
CELERY_TASK_ACKS_LATE = False
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Sending a task happens in requests (after their transaction commits): a broker that is down or
# hung must cost a request at most a couple of seconds and never fail it. So no publish retries,
# a short connect timeout and short socket timeouts; work that cannot be sent stays in the
# database (the notification outbox, due proposals) for the periodic sweeps to pick up.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The worker, unlike a request, waits for its broker: it reconnects after losing it, for as long
# as it takes (None: no limit; kombu's default of 100 attempts gives up after about 50 minutes
# and leaves a worker that runs nothing). The transport options' ``max_retries`` below bound
# only the short-lived connections publishing uses, not the worker's consuming one.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# kombu's Redis transport with acknowledgements that free their prefetch slot even when the
# broker does not answer them: otherwise one acknowledgement lost to a hung broker stops a
# one-process worker for good (skillsmatrix/broker.py). Other brokers (rediss, sentinel, …)
# keep kombu's own transport.
CELERY_BROKER_TRANSPORT = (
    "skillsmatrix.broker:Transport" if CELERY_BROKER_URL.startswith("redis://") else None
)
# Retries of transient errors back off exponentially up to this many seconds (the longest
# countdown any task is given); hard time limits are at most TASK_LONGEST_TIME_LIMIT.
TASK_RETRY_BACKOFF_MAX = env_int("CELERY_RETRY_BACKOFF_MAX", 600, minimum=1)
TASK_LONGEST_TIME_LIMIT = 300
# Redis hands an unacknowledged message to another worker after ``visibility_timeout``: with
# ``acks_late`` a task waiting for its countdown, or still running, would then run twice. So it
# must exceed the longest countdown plus the longest run.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
if CELERY_VISIBILITY_TIMEOUT <= TASK_RETRY_BACKOFF_MAX + TASK_LONGEST_TIME_LIMIT:
    raise ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must exceed CELERY_RETRY_BACKOFF_MAX plus "
        f"{TASK_LONGEST_TIME_LIMIT} seconds (the longest task), got {CELERY_VISIBILITY_TIMEOUT}"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # No second connection attempt when publishing (kombu retries for ever by default).
    "max_retries": 0,
    "socket_connect_timeout": 1,
    # A hung broker (accepting connections, answering nothing) times out instead of blocking.
    "socket_timeout": 2,
}
# How often beat closes due proposals and sends the outbox's waiting emails: a proposal moves on
# at most this long after its window ends (plus the worker's time to run the task).
PROPOSAL_SWEEP_SECONDS = env_int("PROPOSAL_SWEEP_SECONDS", 60, minimum=1)
# Beat sends these; ``expires`` drops runs that waited out a broker outage (the next one will do).
_SWEEP_EXPIRES = max(PROPOSAL_SWEEP_SECONDS - 5, PROPOSAL_SWEEP_SECONDS / 2)
# Beat sends only while it holds a lock in Redis (skillsmatrix.beat), so a second beat started by
# mistake stands by instead of sending every periodic task twice. The lock lives in a Redis that
# never evicts: the broker's by default, never the cache's (`check` refuses it).
CELERY_BEAT_SCHEDULER = "skillsmatrix.beat:LockedScheduler"
BEAT_LOCK_URL = env_str("BEAT_LOCK_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
BEAT_LOCK_KEY = env_str("BEAT_LOCK_KEY", "skillsmatrix:beat-lock")
# A holder that dies without releasing the lock (SIGKILL, a lost node) is replaced this long after.
BEAT_LOCK_TTL_SECONDS = env_float("BEAT_LOCK_TTL_SECONDS", 30.0, low=3.0, high=3600.0)
# The hour (UTC) beat sends the daily digests of notifications.
DIGEST_HOUR_UTC = env_int("DIGEST_HOUR_UTC", 7, minimum=0)
CELERY_BEAT_SCHEDULE = {
    "close-due-proposals": {
        "task": "proposals.tasks.proposals_close_due_task",
        "schedule": float(PROPOSAL_SWEEP_SECONDS),
        "options": {"expires": _SWEEP_EXPIRES},
    },
    "send-pending-notifications": {
        "task": "proposals.tasks.notifications_sweep",
        "schedule": float(PROPOSAL_SWEEP_SECONDS),
        "options": {"expires": _SWEEP_EXPIRES},
    },
    "send-daily-digests": {
        "task": "proposals.tasks.digests_send_task",
        "schedule": crontab(hour=DIGEST_HOUR_UTC, minute=0),
        "options": {"expires": 6 * 60 * 60},
    },
    "purge-old-assessments": {
        "task": "grading.tasks.assessments_purge_task",
        "schedule": 60.0 * 60,
        "options": {"expires": 50 * 60},
    },
}

# --- Accounts (django-allauth) ---------------------------------------------------------------

# One backend: allauth's (by username or email address), checking each password once. Django's
# ModelBackend beside it hashed the password again, and a dummy one for an email address: a
# sign-in cost two or three hashes, and one by an existing address took longer than by an
# unknown one (skillsmatrix.accounts.backends).
AUTHENTICATION_BACKENDS = ["skillsmatrix.accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# After signing in: back where the member came from (``?next=``), else their profile.
LOGIN_REDIRECT_URL = "profile"
LOGOUT_REDIRECT_URL = "roles:catalogue"

ACCOUNT_ADAPTER = "skillsmatrix.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "skillsmatrix.accounts.forms.LoginForm",
    "signup": "skillsmatrix.accounts.forms.SignupForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Members may sign in before confirming their address; proposing, voting and commenting check
# for a verified one (skillsmatrix.members), so a throwaway account cannot vote.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
# Nobody learns from the site which addresses have accounts: signing up with a taken address
# answers as a new one does ("check your inbox"; its owner is emailed instead). So signing up
# signs in only once the address is confirmed (skillsmatrix.accounts.forms.SignupForm), by
# its link; signing in later needs no confirmed address, as before.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Skills Matrix] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SECURE_SSL_REDIRECT else "http"
ACCOUNT_CHANGE_EMAIL = True  # one address per member; a new one replaces it once confirmed

# allauth's own rate limits (sliding windows in the cache, skillsmatrix.accounts.limits). Sign-in
# attempts of one client address, sign-ups and reset emails; the rest are allauth's defaults.
LOGIN_ATTEMPTS_PER_15_MINUTES = env_int("LOGIN_ATTEMPTS_PER_15_MINUTES", 10, minimum=1)
# Wrong passwords (skillsmatrix.accounts.signin): past the first, an address is refused for that
# login for a while; past the second, so is every address that has sent a wrong one for it. An
# address that has not — the owner's — always gets its answer. The owner is emailed.
FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES = env_int(
    "FAILED_LOGINS_PER_ADDRESS_PER_15_MINUTES", 5, minimum=1
)
FAILED_LOGINS_PER_ACCOUNT_PER_15_MINUTES = env_int(
    "FAILED_LOGINS_PER_ACCOUNT_PER_15_MINUTES", 20, minimum=1
)
SIGNUPS_PER_HOUR = env_int("SIGNUPS_PER_HOUR", 20, minimum=1)
PASSWORD_RESETS_PER_HOUR = env_int("PASSWORD_RESETS_PER_HOUR", 10, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login": f"{LOGIN_ATTEMPTS_PER_15_MINUTES}/15m/ip",
    # allauth's limit of failed sign-ins per login locks its owner out too: counted above instead.
    "login_failed": None,
    "signup": f"{SIGNUPS_PER_HOUR}/h/ip",
    # Per client address, and per email address so nobody's inbox can be flooded.
    "reset_password": f"{PASSWORD_RESETS_PER_HOUR}/h/ip,3/h/key",
    "reset_password_from_key": f"{PASSWORD_RESETS_PER_HOUR}/h/ip",
}
# The client address for these limits is the site's (TRUSTED_PROXY_COUNT, via the adapter).

# --- Email ------------------------------------------------------------------------------------

# Printed to the console unless an SMTP server is configured.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS, usually port 465
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)  # STARTTLS, usually port 587
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Skills Matrix <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Where emails link to: the site's address as its visitors reach it (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Languages --------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves what `collectstatic` wrote to STATIC_ROOT: content-hashed names (cached by
# browsers for good) with gzip and Brotli copies. In debug (make run) files are served as they
# are, from the source folders; the tests' settings do the same.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Security headers -------------------------------------------------------------------------

# Strict everywhere, so a page that needs an inline script fails in tests, not in production.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Request security (issue 19) -------------------------------------------------------------

# No page of the site uses a powerful browser feature: each is denied to the page and to any
# frame (the Permissions-Policy header, skillsmatrix.middleware.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
MIDDLEWARE = [
    *MIDDLEWARE,
    "skillsmatrix.middleware.PermissionsPolicyMiddleware",
    # Last: a read that lost its database connection mid-request runs its view once more.
    "skillsmatrix.middleware.LostConnectionRetryMiddleware",
]

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first: its ``WWW-Authenticate`` header is what makes a bad token a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["skillsmatrix.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "skillsmatrix.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "skillsmatrix.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["skillsmatrix.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "120/min"),
        "user": env_rate("API_THROTTLE_USER", "600/min"),
    },
    "EXCEPTION_HANDLER": "skillsmatrix.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Skills Matrix API",
    "DESCRIPTION": "Community-maintained career skills matrices.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets come from the sidecar package, served by the app (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Named for what they are, rather than after the field ("ReasonEnum").
    "ENUM_NAME_OVERRIDES": {"FlagReasonEnum": "proposals.models.FlagReason"},
}

# --- Domain parameters (DESIGN §5) ------------------------------------------------------------

# Fractions allowed (0.5 = 30 minutes) so demos and tests can use short windows.
VOTING_WINDOW_HOURS = env_float("VOTING_WINDOW_HOURS", 168.0, low=0.01, high=24.0 * 365)
VOTING_QUORUM = env_int("VOTING_QUORUM", 5, minimum=1)
VOTING_APPROVAL_RATIO = env_float("VOTING_APPROVAL_RATIO", 0.66, low=0.0, high=1.0)
REVIEW_APPROVALS = env_int("REVIEW_APPROVALS", 1, minimum=1)
GRADING_OPTIONAL_SHARE = env_float("GRADING_OPTIONAL_SHARE", 0.5, low=0.0, high=1.0)
PROPOSALS_OPEN_PER_MEMBER = env_int("PROPOSALS_OPEN_PER_MEMBER", 10, minimum=1)
# The trust rule: a member who joined less than NEW_MEMBER_HOURS ago, or who has had no proposal
# accepted yet, may have only NEW_MEMBER_OPEN_PROPOSALS open at a time; experts are unaffected.
NEW_MEMBER_HOURS = env_float("NEW_MEMBER_HOURS", 24.0, low=0.0, high=24.0 * 365)
NEW_MEMBER_OPEN_PROPOSALS = env_int("NEW_MEMBER_OPEN_PROPOSALS", 1, minimum=1)
# Reputation, computed from the record: points per accepted proposal, per review written, and
# per up vote on a proposal that was accepted.
REPUTATION_ACCEPTED_PROPOSAL = env_int("REPUTATION_ACCEPTED_PROPOSAL", 10, minimum=0)
REPUTATION_REVIEW = env_int("REPUTATION_REVIEW", 3, minimum=0)
REPUTATION_ACCEPTED_VOTE = env_int("REPUTATION_ACCEPTED_VOTE", 1, minimum=0)
VOTES_PER_MEMBER_PER_DAY = env_int("VOTES_PER_MEMBER_PER_DAY", 200, minimum=1)
# A member may edit their own comment for this many minutes after writing it.
COMMENT_EDIT_MINUTES = env_int("COMMENT_EDIT_MINUTES", 15, minimum=0)
# Rate limit on votes, comments, reviews and new proposals, per member (pages and API).
PROPOSAL_WRITES_PER_MINUTE = env_int("PROPOSAL_WRITES_PER_MINUTE", 30, minimum=1)
# Flags: this many from different members hide a proposal or comment pending a moderator; a
# member may flag at most FLAGS_PER_HOUR times an hour (pages and API).
FLAGS_TO_HIDE = env_int("FLAGS_TO_HIDE", 3, minimum=1)
FLAGS_PER_HOUR = env_int("FLAGS_PER_HOUR", 10, minimum=1)
# How long the home page's recent activity (proposals needing votes, closing soon) is reused
# before it is read again; 0 reads it on every visit.
HOME_ACTIVITY_CACHE_SECONDS = env_int("HOME_ACTIVITY_CACHE_SECONDS", 60, minimum=0)
GRADING_SHARE_LINKS_PER_HOUR = env_int("GRADING_SHARE_LINKS_PER_HOUR", 30, minimum=1)
# Assessments saved by visitors (no member) are deleted this many days after they were made.
ASSESSMENT_RETENTION_DAYS = env_int("ASSESSMENT_RETENTION_DAYS", 365, minimum=1)

# Size limits of a role document (DESIGN §4): a bigger one is refused with the path of the excess.
ROLE_MAX_SKILLS = env_int("ROLE_MAX_SKILLS", 500, minimum=1)
ROLE_MAX_DOMAINS = env_int("ROLE_MAX_DOMAINS", 100, minimum=1)
ROLE_MAX_LEVELS = env_int("ROLE_MAX_LEVELS", 12, minimum=1)
ROLE_MAX_STACK_ITEMS = env_int("ROLE_MAX_STACK_ITEMS", 50, minimum=1)
ROLE_MAX_ITEM_LENGTH = env_int("ROLE_MAX_ITEM_LENGTH", 200, minimum=1)
ROLE_MAX_TEXT_LENGTH = env_int("ROLE_MAX_TEXT_LENGTH", 5000, minimum=1)

# --- Observability: metrics, logs and error reports (docs/observability.md) ------------------
# One block on purpose: everything the metrics, the request log and Sentry need is here.

# The bearer token that /metrics asks for. Unset: /metrics answers 404 (open only in DEBUG).
METRICS_TOKEN = env_str("METRICS_TOKEN")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters long")
# How long the scrape-time counts (proposals, votes, members, the outbox …) are reused.
METRICS_GAUGES_CACHE_SECONDS = env_int("METRICS_GAUGES_CACHE_SECONDS", 30, minimum=0)
# A Celery worker serves its own metrics on this port when set (0: not at all), on this address.
CELERY_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0, minimum=0)
CELERY_METRICS_ADDRESS = env_str("CELERY_METRICS_ADDRESS", "0.0.0.0")  # noqa: S104 - a pod's port
# First: the request id, timing and log line cover everything after it; then /metrics, which
# is answered before the host check and the HTTPS redirect (skillsmatrix.monitoring says why).
MIDDLEWARE = [
    "skillsmatrix.observability.RequestObservabilityMiddleware",
    "skillsmatrix.monitoring.MetricsEndpointMiddleware",
    *MIDDLEWARE,
]

# One JSON object per line in production (``json``), readable lines in DEBUG (``text``); every
# record has the request id (null outside requests and tasks).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "skillsmatrix.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "skillsmatrix.observability.JsonLogFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Error reports (sentry-sdk, with its Django and Celery integrations) only when a DSN is set.
SENTRY_DSN = env_str("SENTRY_DSN")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT")
SENTRY_RELEASE = env_str("SENTRY_RELEASE")
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, low=0.0, high=1.0)
if SENTRY_DSN:
    from skillsmatrix.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
