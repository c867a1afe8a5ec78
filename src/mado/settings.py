"""Settings for Mado, read from the environment only.

A city runs Mado inside a closed network and configures it through environment
variables (see docs/operations.md). Nothing secret lives in this file: in
production (``MADO_ENV=production``) the secret key and the field-encryption key
must come from the environment or the process refuses to start. Without
``DATABASE_URL`` the embedded SQLite database under ``var/`` is used, which is
for the demo and tests only.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("MADO_VAR_DIR", REPO_DIR / "var"))

MADO_ENV = os.environ.get("MADO_ENV", "development")
PRODUCTION = MADO_ENV == "production"
DEBUG = os.environ.get("MADO_DEBUG", "0" if PRODUCTION else "1") == "1"

_DEV_SECRET = "mado-development-only-secret-key-not-for-production-use-0123456789"  # noqa: S105  (development only; production refuses it)
SECRET_KEY = os.environ.get("MADO_SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    raise RuntimeError("MADO_SECRET_KEY must be set when MADO_ENV=production")

# Keys for 特定個人情報 (個人番号) encryption at rest: a comma-separated list of
# Fernet keys, newest first (older keys still decrypt, for rotation).
MADO_FIELD_KEYS = [k.strip() for k in os.environ.get("MADO_FIELD_KEYS", "").split(",") if k.strip()]
if PRODUCTION and not MADO_FIELD_KEYS:
    raise RuntimeError("MADO_FIELD_KEYS must be set when MADO_ENV=production")
# Key of the 個人番号 blind index (lookup without decryption). Defaults to one
# derived from the oldest field key; set it explicitly so that field keys can be
# retired freely (then run `mado rotate_field_keys`).
MADO_LOOKUP_KEY = os.environ.get("MADO_LOOKUP_KEY", "")

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get(
        "MADO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver"
    ).split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("MADO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Installed so that /api/v1/docs serves Swagger UI from the vendored static
    # files (no CDN, no inline script: the Content-Security-Policy allows neither).
    "ninja",
    "mado.core",
    "mado.registry",
    "mado.procedures",
    "mado.navigator",
    "mado.eforms",
    "mado.identity",
    "mado.submissions",
    "mado.apply",
    "mado.payments",
    "mado.payments.register",
    "mado.payments.reconcile",
    "mado.counter",
    "mado.casework",
    "mado.staff",
    # Background work (django-tasks, queue in the database: no broker inside a closed network).
    "django_tasks",
    "django_tasks_db",
    "mado.tasks",
]
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task still "running" after this long lost its worker (killed, machine restarted): run it again.
MADO_TASK_LEASE_SECONDS = int(os.environ.get("MADO_TASK_LEASE_SECONDS", "900"))
# A task that raised is retried until it has been attempted this often.
# Submissions through the public JSON API are stored at once and their follow-up
# records (status history, events, audit entry, case) written in batches: one
# request in MADO_SUBMISSION_BATCH completes the pending ones, or every request
# after MADO_SUBMISSION_IDLE_SECONDS without one (mado.submissions.completion).
MADO_SUBMISSION_BATCH = int(os.environ.get("MADO_SUBMISSION_BATCH", "64"))
MADO_SUBMISSION_IDLE_SECONDS = float(os.environ.get("MADO_SUBMISSION_IDLE_SECONDS", "2"))
# On PostgreSQL the batch is written by a thread of the web process ("0": by the
# request that filled the batch, before its response).
MADO_SUBMISSION_BACKGROUND = os.environ.get("MADO_SUBMISSION_BACKGROUND", "1").lower() not in {
    "0", "false", "no", "off"}
# The hottest SQL statements (receipt counter, submission INSERT, batch INSERTs)
# are prepared on the server (mado.core.prepared). Turn off ("0") behind a
# pooler in transaction mode that does not track prepared statements.
MADO_DB_PREPARE = os.environ.get("MADO_DB_PREPARE", "1").lower() not in {"0", "false", "no", "off"}
# A large payment file's lines are written on a second DB connection while the payments are
# booked (payments.reconcile.parallel); 0 = one connection, one transaction.
MADO_RECONCILE_PARALLEL = os.environ.get("MADO_RECONCILE_PARALLEL", "1").lower() not in {
    "0", "false", "no", "off"}
MADO_TASK_MAX_ATTEMPTS = int(os.environ.get("MADO_TASK_MAX_ATTEMPTS", "5"))

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mado.core.middleware.SecurityHeadersMiddleware",
    "mado.core.middleware.RateLimitMiddleware",
    "mado.core.nul_guard.NulGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "mado.core.middleware.JapaneseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mado.staff.middleware.TwoFactorMiddleware",
    "mado.core.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if PRODUCTION:
    # Static files straight from the app server (no CDN, nothing outside the network).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "mado.urls"

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
                "mado.core.context_processors.tenant",
            ],
        },
    },
]

WSGI_APPLICATION = "mado.wsgi.application"

_default_db = f"sqlite:///{VAR_DIR / 'mado.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the embedded database lives here
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db), conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {"timeout": 30}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The covering index's INCLUDE columns are a PostgreSQL optimisation only.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
LOGOUT_REDIRECT_URL = "staff:login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
MADO_USE_BROWSER_LANGUAGE = os.environ.get("MADO_USE_BROWSER_LANGUAGE", "0") == "1"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security baseline (docs/security.md) -------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = os.environ.get("MADO_SSL_REDIRECT", "1") == "1"
    SECURE_HSTS_SECONDS = int(os.environ.get("MADO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("MADO_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    # The preload token alone submits nothing (hstspreload.org is a manual step);
    # a city whose domain must not be preloaded says MADO_HSTS_PRELOAD=0, and
    # then Django's reminder (security.W021) is silenced as a recorded choice.
    SECURE_HSTS_PRELOAD = os.environ.get("MADO_HSTS_PRELOAD", "1") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _env_list(name: str) -> list[str]:
    return [v.strip() for v in os.environ.get(name, "").split() if v.strip()]


# Content-Security-Policy of every response (mado.core.middleware.SecurityHeadersMiddleware).
# No inline script or style anywhere; extra sources only through the environment
# (e.g. a payment provider's hosted page in MADO_CSP_FORM_ACTION).
MADO_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'", *_env_list("MADO_CSP_FORM_ACTION")],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}
MADO_PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
    "interest-cohort=(), browsing-topics=()"
)

# Staff sign-in: TOTP second factor (mado.staff.twofactor). Required for every
# staff account in production; elsewhere an account that enrolled still needs it.
MADO_REQUIRE_2FA = os.environ.get("MADO_REQUIRE_2FA", "1" if PRODUCTION else "0") == "1"
MADO_TOTP_ISSUER = os.environ.get("MADO_TOTP_ISSUER", "Mado")
# Failed sign-ins (password or code) per account and per client address within
# `window` seconds before that account / address is locked for `lock` seconds.
# An address has a higher ceiling: a city hall's staff share one proxy address.
MADO_LOGIN_LOCKOUT = {
    "account_failures": int(os.environ.get("MADO_LOCKOUT_ACCOUNT_FAILURES", "5")),
    "ip_failures": int(os.environ.get("MADO_LOCKOUT_IP_FAILURES", "20")),
    "window": int(os.environ.get("MADO_LOCKOUT_WINDOW", "900")),
    "lock": int(os.environ.get("MADO_LOCKOUT_SECONDS", "900")),
}
# Rate limits of the resident endpoints (mado.core.ratelimit): scope →
# (requests, window seconds) per client address, fixed window, unsafe methods.
# Override one scope with MADO_RATE_LIMITS="api_submit=6000/60,apply=120/60";
# "scope=off" switches one off (visible in `mado check --deploy`).
MADO_RATE_LIMITS: dict[str, tuple[int, int] | None] = {
    "apply": (120, 60),
    "identity": (30, 60),
    "previsit": (60, 60),
    "pay": (60, 60),
    "api_submit": (1200, 60),
}
for _item in os.environ.get("MADO_RATE_LIMITS", "").split(","):
    if "=" in _item:
        _scope, _, _value = _item.strip().partition("=")
        if _value.strip() == "off":
            MADO_RATE_LIMITS[_scope.strip()] = None
        else:
            _count, _, _seconds = _value.partition("/")
            MADO_RATE_LIMITS[_scope.strip()] = (int(_count), int(_seconds or 60))
# The client address: REMOTE_ADDR, or the META key a trusted reverse proxy sets
# (nginx: proxy_set_header X-Real-IP $remote_addr; → "HTTP_X_REAL_IP").
MADO_CLIENT_IP_HEADER = os.environ.get("MADO_CLIENT_IP_HEADER", "")
# Rate-limit counters live in this cache. The default is per process; several
# workers or servers share counters with a database cache
# (MADO_RATELIMIT_CACHE=db, then `mado createcachetable`).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "mado_ratelimit"}
        if os.environ.get("MADO_RATELIMIT_CACHE", "") == "db"
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "mado-ratelimit",
        }
    ),
}

# Secrets of adapters, from the environment only (checked by `mado check --deploy`).
MADO_PAYMENT_PROVIDER = os.environ.get("MADO_PAYMENT_PROVIDER", "sandbox")
MADO_SANDBOX_WEBHOOK_SECRET = os.environ.get("MADO_SANDBOX_WEBHOOK_SECRET", "")

EMAIL_HOST = os.environ.get("MADO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("MADO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MADO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MADO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("MADO_EMAIL_TLS", "0") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("MADO_EMAIL_FROM", "no-reply@localhost")
EMAIL_BACKEND = os.environ.get(
    "MADO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)

# The municipality served to anonymous visitors of the resident site when the
# host name does not say which one (single-tenant deployments set only this).
MADO_DEFAULT_MUNICIPALITY = os.environ.get("MADO_DEFAULT_MUNICIPALITY", "")
MADO_DEMO_PASSWORD = os.environ.get("MADO_DEMO_PASSWORD", "mado-demo-2026")
# Mirror form logic in the browser (progressive enhancement; the server stays the authority).
MADO_APPLY_LOGIC_JS = os.environ.get("MADO_APPLY_LOGIC_JS", "1") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("MADO_LOG_LEVEL", "INFO")},
}

STATICFILES_DIRS = [BASE_DIR / "static"]
