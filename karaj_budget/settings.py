"""Settings for the Karaj budget prioritization app.

One module, driven by environment variables with working local defaults
(SQLite under var/, debug on). Production values are documented in the README.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
# As the environment set it: the test runner turns DEBUG off for its runs, a deployment is this.
PRODUCTION = not DEBUG
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # A fixed key is fine for local development only; production sets its own.
    SECRET_KEY = "dev-only-insecure-key-karaj-budget-change-me"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "import_export",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "programs",
    "workgroups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise, so static files are not logged one line each.
    "karaj_budget.logging.AccessLogMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # NUL and other control characters, and JSON nested too deep, refused with 400 on every path.
    "karaj_budget.input_guard.InputGuardMiddleware",
    # A refused change of a list (workgroups.locks.ListError) answers its status and message.
    "workgroups.middleware.ListErrorMiddleware",
    # Last, as django-axes requires: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "karaj_budget.urls"
WSGI_APPLICATION = "karaj_budget.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workgroups.context_processors.site",
            ],
            # Jalali dates and Persian digits are needed on every page, admin included.
            "builtins": ["karaj_budget.templatetags.persian_tags"],
        },
    },
    # Only where the Django engine is measurably too slow: the ranking page's rows (up to 500 a
    # page; bench/ranking_rows.py) and the coding page's (up to 300; bench/coding.py). Its own
    # folder and no app folders, so it never picks up a template meant for Django; escaping as
    # Django's (karaj_budget/jinja2.py), autoescape on.
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "karaj_budget.jinja2.environment", "autoescape": True},
    },
]

# Database: DATABASE_URL in production (PostgreSQL); an SQLite file under var/ otherwise.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Without WAL, IMMEDIATE transactions and a long busy timeout, concurrent
    # ranking saves and imports fail with "database is locked" (measured).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    (BASE_DIR / "var").mkdir(exist_ok=True)

# Where `manage.py backup_db` (`make backup`) writes when not given a file name.
BACKUP_DIR = Path(os.environ.get("KARAJ_BACKUP_DIR") or BASE_DIR / "var" / "backups")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username + address is refused before the password is checked.
    "karaj_budget.security.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workgroups:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fa"
LANGUAGES = [("fa", "فارسی")]
TIME_ZONE = "Asia/Tehran"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Where collectstatic writes the build that WhiteNoise serves with hashed, cache-forever names.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
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

# django-import-export: without these, any staff user who reaches the admin
# could import into or export any model (measured).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = True

# Display name of the office that receives the lists (configurable per deployment).
# Background tasks (README, "Background worker"): a queue in the app's own database, worked by
# `manage.py db_worker` (started by `make run`; its own systemd unit in production). Another
# backend (a broker) can be named here when the deployment grows.
TASKS = {"default": {"BACKEND": os.environ.get("KARAJ_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

BUDGET_OFFICE_NAME = os.environ.get("KARAJ_BUDGET_OFFICE_NAME", "دفتر برنامه و بودجه")
# Name of the Django group whose members are budget office staff.
BUDGET_OFFICE_GROUP = "دفتر برنامه و بودجه"

# Uploads: checked before any spreadsheet is parsed.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("KARAJ_IMPORT_MAX_BYTES", 10 * 1024 * 1024))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(os.environ.get("KARAJ_IMPORT_MAX_UNCOMPRESSED", 200 * 1024 * 1024))
IMPORT_MAX_ROWS = int(os.environ.get("KARAJ_IMPORT_MAX_ROWS", 60_000))
# What parsing costs, bounded before it is paid (programs/importing/files.py; docs/performance.md).
IMPORT_MAX_SHARED_STRINGS = int(os.environ.get("KARAJ_IMPORT_MAX_SHARED_STRINGS", 100_000))
IMPORT_MAX_SHARED_STRINGS_BYTES = int(
    os.environ.get("KARAJ_IMPORT_MAX_SHARED_STRINGS_BYTES", 32 * 1024 * 1024)
)
IMPORT_MAX_CELLS = int(os.environ.get("KARAJ_IMPORT_MAX_CELLS", 250_000))
IMPORT_MAX_TEXT_CHARS = int(os.environ.get("KARAJ_IMPORT_MAX_TEXT_CHARS", 5_000_000))
# How long an admin import's preview waits for its confirm (programs.models.ImportPreview).
IMPORT_PREVIEW_HOURS = int(os.environ.get("KARAJ_IMPORT_PREVIEW_HOURS", 2))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The address people use, for links printed on paper (the letter's QR code opens the verify page).
SITE_URL = os.environ.get("KARAJ_SITE_URL", "http://127.0.0.1:8000")

# Attachments (پیوست‌ها): stored under MEDIA_ROOT through Django's storage API and served only by
# the access-checked view (no MEDIA_URL is routed). Backed up with the database (README, "Backups").
MEDIA_ROOT = Path(os.environ.get("KARAJ_MEDIA_ROOT") or BASE_DIR / "var" / "media")
ATTACHMENT_MAX_BYTES = int(os.environ.get("KARAJ_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
# The most an attached xlsx/docx may declare once unzipped, and its most entries (zip bombs).
ATTACHMENT_MAX_UNCOMPRESSED = int(os.environ.get("KARAJ_ATTACHMENT_MAX_UNCOMPRESSED", 100 * 1024 * 1024))
ATTACHMENT_MAX_ENTRIES = 2_000

EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "budget@karaj.local")

# ---- Production security ----------------------------------------------------------------------
# `manage.py check --deploy` is clean with DJANGO_DEBUG=false, a long DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS (tests/karaj_budget/test_deploy.py). Local development keeps plain HTTP.

# Behind a TLS-terminating reverse proxy, name the header it sets, e.g.
# DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must overwrite it on every
# request; the value that means HTTPS is "https").
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    SECURE_PROXY_SSL_HEADER = (_proxy_ssl_header, "https")

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The proxy's and the monitor's health checks may call the app over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    # Off only for `make run`, which serves the demo over plain HTTP on one machine.
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)

# Sessions live in the database (shared by every app server) and last one working day from
# sign-in, or until the browser is closed.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_COOKIE_AGE", 8 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# No script reads the CSRF cookie: pages that save with fetch() take the token from the
# {% csrf_token %} input in the page, so the cookie can be hidden from JavaScript.
CSRF_COOKIE_HTTPONLY = True

# ---- Content-Security-Policy (django-csp 4) ----------------------------------------------------
# Every script and style is a file under static/: no inline <script>, <style>, style="" or
# onclick="" anywhere, the admin included (tests/karaj_budget/test_security.py). Enforced by
# default, in development too, so a violation shows up before production; set
# DJANGO_CSP_REPORT_ONLY=true to only report violations (in the browser console) while trying a
# change out on a live site.
_csp_policy = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if env_bool("DJANGO_CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy

# ---- Login throttling (django-axes) ------------------------------------------------------------
# Lock a username *at one address* after 8 failures for 15 minutes. Locking by address alone
# (the default) would lock out the whole office behind one proxy address; by username alone,
# anyone could lock out a colleague. A success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("KARAJ_LOGIN_FAILURE_LIMIT", 8))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("KARAJ_LOGIN_COOLOFF_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# And an address, whatever the usernames tried from it (password spraying), after more failures
# than one person makes: 30 in the cool-off (karaj_budget/security.py).
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("KARAJ_LOGIN_ADDRESS_FAILURE_LIMIT", 30))
AXES_RESET_ON_SUCCESS = True
# Retrying during the lockout does not restart the 15 minutes, so the page's promise holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "karaj_budget.security.lockout_response"
# Security logs name the username and address of failures and lockouts (axes masks them by
# default); passwords are never logged.
AXES_SENSITIVE_PARAMETERS = []
# The person's own address, read from the reverse proxy's header (karaj_budget/security.py).
AXES_CLIENT_IP_CALLABLE = "karaj_budget.security.client_ip"
# META name of the header the proxy sets, e.g. HTTP_X_FORWARDED_FOR, and how many proxies in
# front of the app append to it. Empty: the app is reached directly and REMOTE_ADDR is the client.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", 1))

# ---- Logging ------------------------------------------------------------------------------------
# Production writes one JSON object a line to the console (karaj_budget/logging.py): time, level,
# logger, message, and the request's method, path, user, client address and status where there
# is one. Development keeps plain text. DJANGO_LOG_FORMAT=plain|json overrides either.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "karaj_budget.logging.JSONFormatter"},
    },
    "handlers": {
        # stderr, which systemd or the container runtime collects like stdout, so that log lines
        # never mix into a command's own output (`manage.py dumpdata > file`).
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # One line per request, the access log in production (`make serve` turns gunicorn's off);
        # in development runserver prints its own.
        "karaj_budget.access": {"level": "WARNING" if DEBUG else "INFO"},
        # Its start-up banner would otherwise open the output of every manage.py command.
        "axes.apps": {"level": "WARNING"},
    },
}
