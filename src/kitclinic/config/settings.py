"""Django settings for kitclinic, read from the environment (see README, "Configuration").

Secure by default: DEBUG is off, a secret key is required, cookies are secure and HSTS is on unless
``KITCLINIC_DEBUG=1``. ``make run`` sets development values itself.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url

from kitclinic.config.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_decimal,
    env_int,
    env_list,
    env_str,
)

SRC_DIR = Path(__file__).resolve().parents[2]
PROJECT_DIR = SRC_DIR.parent
NODE_MODULES_DIR = Path(env_str("KITCLINIC_NODE_MODULES", str(PROJECT_DIR / "node_modules")))
VAR_DIR = Path(env_str("KITCLINIC_VAR_DIR", str(PROJECT_DIR / "var")))

DEBUG = env_bool("KITCLINIC_DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env_str("KITCLINIC_SECRET_KEY", "insecure-development-key-never-use-in-production")
else:
    try:
        SECRET_KEY = env_str("KITCLINIC_SECRET_KEY")
    except ImproperlyConfiguredEnv as exc:
        raise ImproperlyConfiguredEnv(
            "KITCLINIC_SECRET_KEY must be set (or KITCLINIC_DEBUG=1 for development)"
        ) from exc

ALLOWED_HOSTS = env_list("KITCLINIC_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("KITCLINIC_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kitclinic.accounts",
    "kitclinic.audit",
    "kitclinic.patients",
    "kitclinic.rems",
    "kitclinic.substances",
    "kitclinic.billing",
    "kitclinic.pages",
    "kitclinic.demo",
    "kitclinic.infusions",
    "django_tasks",
    "django_tasks_db",
    "kitclinic.assessments",
    "kitclinic.consent",
    "kitclinic.outcomes",
    "kitclinic.interop",
    "kitclinic.operations",
    "kitclinic.payments",
]

MIDDLEWARE = [
    # First: /healthz answers before any middleware that may need the database (lib/web/health.py).
    "kitclinic.lib.web.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # before any view reads the query string: control characters are a 400 naming the parameter
    "kitclinic.lib.web.errors.QueryStringGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # below WhiteNoise: every dynamic response is no-store (patient data) and carries the CSP
    "kitclinic.lib.web.headers.ResponseHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp)
    "django_otp.middleware.OTPMiddleware",
    # ends a session idle past KITCLINIC_SESSION_IDLE_MINUTES, whatever an open page polls
    "kitclinic.lib.web.idle.IdleLogoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # after the password, nothing but the second-factor step until it is passed
    "kitclinic.accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # every read of patient data noted by the access functions is audited when a GET succeeds
    "kitclinic.audit.reads.ReadAuditMiddleware",
]

ROOT_URLCONF = "kitclinic.config.urls"
WSGI_APPLICATION = "kitclinic.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kitclinic.accounts.context_processors.memberships",
                "kitclinic.lib.web.idle.idle_context",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kitclinic.sqlite3'}"),
        conn_max_age=env_int("KITCLINIC_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # libpq waits for the operating system's TCP timeout (minutes) on an unreachable server; a
    # request, and /healthz, should fail in seconds. `?connect_timeout=N` in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Write-ahead log: readers (pages, `kitclinic backup`'s snapshot) and the one writer (a
    # request or the task worker) do not block each other, as they do in SQLite's default
    # rollback journal, where a write during a long read fails with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "init_command", "PRAGMA journal_mode=WAL;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# The second factor (docs/security.md): the name an authenticator app shows for the account, and
# how long the step after the password may take before the log-in starts again.
OTP_TOTP_ISSUER = "kitclinic"
KITCLINIC_SECOND_FACTOR_STEP_MINUTES = 10
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env_int("KITCLINIC_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KITCLINIC_LOGIN_LOCKOUT_MINUTES", 30))
# An account locks after AXES_FAILURE_LIMIT failures from anywhere; an address after
# KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT failures across accounts, whatever browser it claims to be
# (kitclinic.accounts.lockout). The order of the parameters is the handler's: account, address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "kitclinic.accounts.lockout.AccountAndAddressLockoutHandler"
KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT = env_int(
    "KITCLINIC_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1
)
# Reverse proxies in front of the server (each appends to X-Forwarded-For): the audit trail and
# the lockout take the client's address from the outermost one (kitclinic.accounts.actor).
KITCLINIC_TRUSTED_PROXIES = env_int("KITCLINIC_TRUSTED_PROXIES", 0, minimum=0, maximum=5)
AXES_CLIENT_IP_CALLABLE = "kitclinic.accounts.actor.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Idle session expiry: the cookie's age is renewed on every request; kitclinic.lib.web.idle ends a
# session idle for this long even while an open page polls in the background.
SESSION_COOKIE_AGE = 60 * env_int("KITCLINIC_SESSION_IDLE_MINUTES", 15)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("KITCLINIC_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("KITCLINIC_STATIC_ROOT", str(VAR_DIR / "staticfiles")))
# Front-end packages come from the npm registry (package.json) and are served from node_modules.
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES_DIR / "htmx.org" / "dist"),
    ("vendor/pico", NODE_MODULES_DIR / "@picocss" / "pico" / "css"),
    ("vendor/plotly", NODE_MODULES_DIR / "plotly.js-dist-min"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "kitclinic.accounts.api.authentication.ApiTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "kitclinic.accounts.api.authentication.TokenScopeAllows",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "kitclinic.lib.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "kitclinic.lib.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kitclinic API",
    "DESCRIPTION": "REST API v1 of kitclinic. Session auth for the browser, token auth for integrations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets that share a field name with another one get a name of their own
    "ENUM_NAME_OVERRIDES": {
        "RemsFormStatusEnum": ["submitted", "overdue", "due_soon", "open"],
        "TreatmentKindEnum": ["iv_ketamine", "esketamine_nasal"],
        "CourseStatusEnum": [
            "planned",
            "induction",
            "maintenance",
            "paused",
            "completed",
            "stopped",
        ],
    },
}

# Security headers; production values make `kitclinic check --deploy` clean.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("KITCLINIC_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("KITCLINIC_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("KITCLINIC_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("KITCLINIC_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KITCLINIC_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("KITCLINIC_HSTS_PRELOAD", True)
    if env_bool("KITCLINIC_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Measurement-based care (assessments app): background tasks, mail, links and safety alerts.
# Tasks are rows in the database; run one or more workers with `kitclinic db_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EMAIL_BACKEND = env_str(
    "KITCLINIC_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("KITCLINIC_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KITCLINIC_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("KITCLINIC_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("KITCLINIC_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KITCLINIC_EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("KITCLINIC_EMAIL_FROM", "kitclinic@localhost")
# Absolute address of this site, for the links in emails.
KITCLINIC_SITE_URL = env_str("KITCLINIC_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
KITCLINIC_SELF_REPORT_LINK_DAYS = env_int("KITCLINIC_SELF_REPORT_LINK_DAYS", 4)
KITCLINIC_KIOSK_LINK_MINUTES = env_int("KITCLINIC_KIOSK_LINK_MINUTES", 60)
KITCLINIC_REMINDER_AFTER_HOURS = env_int("KITCLINIC_REMINDER_AFTER_HOURS", 48)
# How long a staff invitation or password-reset link stays valid (it works once).
KITCLINIC_STAFF_LINK_HOURS = env_int("KITCLINIC_STAFF_LINK_HOURS", 72, minimum=1, maximum=336)
# The crisis text, the escalation minutes, the link lifetimes, the lab units and the pregnancy-test
# age range here are the defaults of every clinic; a clinic admin overrides them for their clinic
# (kitclinic.accounts.selectors.clinic_settings reads the clinic's value, else this default).
# A clinic policy: how long a safety alert may stay unacknowledged before physicians are emailed.
KITCLINIC_ALERT_ESCALATION_MINUTES = env_int("KITCLINIC_ALERT_ESCALATION_MINUTES", 60)
KITCLINIC_CRISIS_TEXT = env_str(
    "KITCLINIC_CRISIS_TEXT",
    "If you are thinking about harming yourself, call or text 988 (Suicide & Crisis Lifeline) "
    "or call 911 in the US.",
)

# Infusions: minutes a chair stays booked after the infusion for recovery (a clinic setting; one
# clinic gives a typical 30–60 min observation [C], [thrive-observation]; default the upper end).
KITCLINIC_RECOVERY_MINUTES = env_int("KITCLINIC_RECOVERY_MINUTES", 60)
# An infusion stopped with at least this share of the ordered volume in, or at most
# KITCLINIC_STOP_COMPLETE_ML short of it, counts as complete: the stop needs no reason and leaves
# nothing to waste. Not clinical figures (none is published): they absorb the pump's and
# the order's rounding (rates to 0.01 mL/h, volumes to 0.01 mL), docs/infusions.md "Stop".
KITCLINIC_STOP_COMPLETE_SHARE = env_decimal(
    "KITCLINIC_STOP_COMPLETE_SHARE", "0.99", minimum="0.5", maximum="1"
)
KITCLINIC_STOP_COMPLETE_ML = env_decimal(
    "KITCLINIC_STOP_COMPLETE_ML", "0.1", minimum="0", maximum="5"
)
# Reports and outcome analyses count a session as a complete infusion when it delivered at least
# this share of the ordered volume; below it the session is shown as incomplete (docs/outcomes.md
# "Complete and incomplete infusions"; no figure is published, so it is a setting whose
# default is the stop's own completeness share: every stop that needed a reason is incomplete).
KITCLINIC_COMPLETE_INFUSION_MIN_SHARE = env_decimal(
    "KITCLINIC_COMPLETE_INFUSION_MIN_SHARE", "0.99", minimum="0.01", maximum="1"
)
# A vitals slot (minutes from the infusion's start) may be recorded at most this many minutes
# before it is due: readings are not taken ahead of time (a setting for clock differences
# between the monitor and the server, not a clinical figure).
KITCLINIC_VITALS_EARLY_MINUTES = env_int("KITCLINIC_VITALS_EARLY_MINUTES", 2, minimum=0, maximum=30)
# API tokens (docs/security.md, "API tokens"): the lifetime a new token gets unless its creator
# picks another, and the longest allowed. Every token expires.
KITCLINIC_API_TOKEN_MAX_DAYS = env_int("KITCLINIC_API_TOKEN_MAX_DAYS", 365, minimum=1, maximum=3650)
KITCLINIC_API_TOKEN_DAYS = env_int(
    "KITCLINIC_API_TOKEN_DAYS", 90, minimum=1, maximum=KITCLINIC_API_TOKEN_MAX_DAYS
)
# How many days ahead a chair can be booked (a clinic setting, not a clinical figure).
KITCLINIC_BOOKING_HORIZON_DAYS = env_int(
    "KITCLINIC_BOOKING_HORIZON_DAYS", 365, minimum=1, maximum=3650
)
# Esketamine REMS: an unsubmitted Patient Monitoring Form is listed as due soon this many days
# before its last day (a workflow choice of the clinic, not a REMS figure; docs/rems.md).
KITCLINIC_REMS_DUE_SOON_DAYS = env_int("KITCLINIC_REMS_DUE_SOON_DAYS", 2, minimum=0, maximum=7)
# Check-in weight plausibility (docs/infusions.md, "Weight at check-in"): today's weight is also
# compared with the median of the patient's last N accepted weights measured within D days. Clinic
# settings, not clinical figures: only the 15% change limit is sourced ([weight-documentation]).
KITCLINIC_WEIGHT_REFERENCE_COUNT = env_int(
    "KITCLINIC_WEIGHT_REFERENCE_COUNT", 5, minimum=1, maximum=50
)
KITCLINIC_WEIGHT_REFERENCE_DAYS = env_int(
    "KITCLINIC_WEIGHT_REFERENCE_DAYS", 180, minimum=1, maximum=3650
)

# FHIR export (kitclinic.interop, docs/fhir.md): the base URL a Bundle's fullUrl values start
# with (relative references such as Patient/p-12 resolve against it).
KITCLINIC_FHIR_BASE_URL = env_str("KITCLINIC_FHIR_BASE_URL", "http://127.0.0.1:8000/fhir")
# FHIR bulk export (GET /fhir/$export): where the task writes each export's NDJSON files, one
# folder per export, deleted with it. Patient data: keep it on the server's encrypted disk and
# out of web-served folders.
KITCLINIC_FHIR_EXPORT_DIR = Path(
    env_str("KITCLINIC_FHIR_EXPORT_DIR", str(VAR_DIR / "fhir-exports"))
)

# Inflammatory-marker units (outcomes app): the LOINC codes ([loinc]) come without a UCUM unit for
# CRP, hs-CRP, IL-6 or TNF-α. The defaults are the conventional reporting units (CRP and hs-CRP in
# mg/L, IL-6 and TNF-α in pg/mL): a clinic setting ([kitclinic-settings]), not from a published
# source, to confirm with the clinic's laboratory. KITCLINIC_LAB_UNITS="crp=<UCUM>,il6=<UCUM>"
# replaces the named analytes' units; an empty value ("tnf_alpha=") leaves an analyte without a
# unit, so it cannot be entered.
KITCLINIC_LAB_UNITS_DEFAULT = {
    "crp": "mg/L",
    "hs_crp": "mg/L",
    "il6": "pg/mL",
    "tnf_alpha": "pg/mL",
}
KITCLINIC_LAB_UNITS = {
    **KITCLINIC_LAB_UNITS_DEFAULT,
    **dict(
        (key.strip(), unit.strip())
        for key, unit in (
            item.split("=", 1) for item in env_list("KITCLINIC_LAB_UNITS", []) if "=" in item
        )
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Self-report link tokens never reach a log line (kitclinic.config.log_redaction).
    "filters": {"redact_link_tokens": {"()": "kitclinic.config.log_redaction.RedactLinkTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_link_tokens"]}},
    "root": {"handlers": ["console"], "level": env_str("KITCLINIC_LOG_LEVEL", "INFO")},
}
