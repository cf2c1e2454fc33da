"""Settings shared by every environment. Everything that differs between machines comes from
environment variables (see the README's table); defaults here are the embedded ones.

Over 400 lines because it is one flat list of settings, each with the comment saying what it
is for: splitting it into modules would only scatter what an operator reads in one place."""

import ipaddress
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean environment variable; refuse anything but the usual spellings."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_millis(name: str, default: int) -> int:
    """A duration in whole milliseconds, 0 for none; refuse anything else."""
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    if not raw.isdigit():
        raise ImproperlyConfigured(f"{name} must be whole milliseconds (0: none), got {raw!r}")
    return int(raw)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.core",
    "apps.accounts",
    "apps.catalog",
    "apps.sizing",
    "apps.quotes",
    "apps.api",
    "apps.ops",
]

MIDDLEWARE = [
    "apps.ops.middleware.ForwardedHeadersMiddleware",  # X-Forwarded-* only from TRUSTED_PROXIES
    "apps.ops.middleware.HealthCheckMiddleware",  # first: probes skip host/HTTPS/session checks
    "django.middleware.security.SecurityMiddleware",
    "apps.api.middleware.RequestIdMiddleware",
    "apps.ops.middleware.RequestContextMiddleware",  # request id into logs and the audit log
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "apps.core.hygiene.InputHygieneMiddleware",  # query strings and forms: 400 on bad text
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.ops.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.ops.middleware.DatabaseUnavailableMiddleware",  # OperationalError → 503 Retry-After
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Fail fast (→ 503) instead of hanging a web worker when the server is unreachable.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
    # A backend whose client is gone (a worker killed by gunicorn's timeout, SIGKILL, an
    # interrupted test run) checks the socket this often while a query runs and stops it;
    # without it a CPU-bound query runs on to its end with nobody waiting (docs/operations.md).
    DATABASE_CLIENT_CHECK_MS = env_millis("DATABASE_CLIENT_CHECK_MS", 5000)
    if DATABASE_CLIENT_CHECK_MS:
        _options = DATABASES["default"]["OPTIONS"]
        _options["options"] = (
            f"{_options.get('options', '')} "
            f"-c client_connection_check_interval={DATABASE_CLIENT_CHECK_MS}"
        ).strip()
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under several gunicorn workers and a Celery worker: WAL (readers
    # never wait for the writer), a busy timeout (a writer waits for the lock instead of failing
    # with "database is locked"), and BEGIN IMMEDIATE for every transaction (it takes the write
    # lock at its start, so two transactions cannot both read and then deadlock upgrading to
    # write — SQLite's busy handler cannot resolve that and fails one at once).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": int(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "30")),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A web worker's start-up queries (config/worker.py: the catalog snapshot it loads before
# gc.freeze) are cancelled after this long (PostgreSQL statement_timeout, for that transaction
# only); the worker then serves and loads the catalog on its first sizing. 0: no limit.
STARTUP_STATEMENT_TIMEOUT_MS = env_millis("STARTUP_STATEMENT_TIMEOUT_MS", 10_000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in: the throttle refuses to check passwords after LOGIN_FAILURE_LIMIT failures of one
# username from one address (or LOGIN_FAILURE_IP_LIMIT from one address) within the window;
# counted in the database (apps.ops.models.LoginFailure), shared by every worker and replica.
AUTHENTICATION_BACKENDS = ["apps.ops.auth.RateLimitedModelBackend"]
LOGIN_FAILURE_LIMIT = 5
LOGIN_FAILURE_IP_LIMIT = 50
LOGIN_FAILURE_WINDOW_SECONDS = 900
# Sessions end after 30 minutes without a request and 12 hours after the login whatever the
# activity (apps.ops.middleware.SessionLifetimeMiddleware). Activity renews the session's age
# at most once a minute (SESSION_RENEW_AFTER_SECONDS) rather than on every request
# (SESSION_SAVE_EVERY_REQUEST would write the session row on each htmx update).
SESSION_COOKIE_AGE = 1800
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_AFTER_SECONDS = 60
SESSION_ABSOLUTE_AGE = 12 * 3600
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The web's own files only: static/fonts/ are the PDF's (apps/quotes/pdf.py reads them from
# static/ itself, as its only allowed directory), never asked for by a page (portal.css names
# the system's DejaVu Sans); collected, every collectstatic compressed their 3 MB with Brotli
# for nothing: ~12 of its ~25 s of CPU (the image build, the stack tests).
STATICFILES_DIRS = [(name, BASE_DIR / "static" / name) for name in ("css", "vendor")]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
# Generated documents (quote PDFs) go through Django's storage API, alias "documents"
# (apps/core/documents.py is the only code that touches them):
# STORAGE_BACKEND=filesystem (default): files under STORAGE_PATH (a volume shared by every web
# replica and worker of ONE host); STORAGE_BACKEND=s3: an S3-compatible object store shared by
# any number of hosts (django-storages; S3_* variables below).
MEDIA_ROOT = Path(os.environ.get("STORAGE_PATH", BASE_DIR / "var" / "documents"))
MEDIA_URL = "/media/"
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
# stream: downloads pass through the app; redirect (S3 only): a 302 to a signed URL valid
# S3_SIGNED_URL_SECONDS, when the clients can reach the store at S3_ENDPOINT_URL.
DOCUMENTS_DOWNLOAD = os.environ.get("DOCUMENTS_DOWNLOAD", "stream").strip().lower()
S3_SIGNED_URL_SECONDS = int(os.environ.get("S3_SIGNED_URL_SECONDS", "60"))
if DOCUMENTS_DOWNLOAD not in {"stream", "redirect"}:
    raise ImproperlyConfigured(
        f"DOCUMENTS_DOWNLOAD must be stream or redirect, got {DOCUMENTS_DOWNLOAD!r}"
    )
if STORAGE_BACKEND == "filesystem":
    DOCUMENTS_STORAGE: dict[str, object] = {
        "BACKEND": "apps.core.documents.DocumentFileSystemStorage"
    }
elif STORAGE_BACKEND == "s3":
    from botocore.config import Config as BotoConfig

    if not os.environ.get("S3_BUCKET"):
        raise ImproperlyConfigured(
            "STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS store)"
        )
    DOCUMENTS_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "custom_domain": None,
            "region_name": os.environ.get("S3_REGION", "us-east-1"),
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE", "path"),
            "signature_version": "s3v4",
            "location": os.environ.get("S3_PREFIX", ""),
            "file_overwrite": True,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": S3_SIGNED_URL_SECONDS,
            # Fail fast (the render retries; readiness reports it) instead of hanging a worker.
            "client_config": BotoConfig(
                connect_timeout=3, read_timeout=10, retries={"max_attempts": 2}
            ),
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be filesystem or s3, got {STORAGE_BACKEND!r}")
STORAGES = {
    "default": DOCUMENTS_STORAGE,
    "documents": DOCUMENTS_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# PDF renders (seconds each, memory-hungry) have their own queue, so quick tasks (ping, the
# sweeper, expiry) never wait behind them; workers consume `-Q celery` and/or `-Q pdf`.
CELERY_TASK_ROUTES = {"quotes.render_pdf": {"queue": "pdf"}}
# Publishing while Redis is down: give up after ~1 s (the caller keeps the job in the database
# for the sweeper) instead of holding the web request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.3,
    "interval_max": 0.5,
}
# Workers log through Django's LOGGING (JSON lines with task and request ids).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Above the hard time limit, so a message held by a dead worker comes back only after its
# task could no longer be running (reliability.md: default is 1 hour).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 600}
# CELERY_BROKER_KEY_PREFIX: a prefix of every broker key and channel (queues, unacked messages,
# the workers' control channel), so several portals (or parallel test processes) can share one
# Redis database without taking each other's tasks. Unset: none.
if os.environ.get("CELERY_BROKER_KEY_PREFIX"):
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = os.environ["CELERY_BROKER_KEY_PREFIX"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A task whose pool process died is retried (bounded by the task's max_retries), so a document
# that always kills its worker cannot loop forever (reliability.md).
CELERY_TASK_RETRY_ON_WORKER_LOST = True
# WeasyPrint workers grow: recycle pool processes (also set on the worker command line).
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_WORKER_MAX_MEMORY_PER_CHILD = 600_000  # KiB, checked after each task
CELERY_BEAT_SCHEDULE = {
    # Requeues the jobs of a lost runner as soon as their lease expires (and lost messages).
    "quotes-sweep-pdf-jobs": {
        "task": "quotes.sweep_pdf_jobs",
        "schedule": float(os.environ.get("QUOTES_PDF_SWEEP_SECONDS", "20")),
    },
    "quotes-expire-due": {"task": "quotes.expire_due", "schedule": 3600.0},
}
# Quote documents: attempts before a job fails; how long a job may stay queued/rendering
# before the sweeper requeues it (rendering: above the task's hard time limit).
QUOTES_PDF_MAX_ATTEMPTS = 3
QUOTES_PDF_STALE_QUEUED_SECONDS = 900
QUOTES_PDF_STALE_RENDERING_SECONDS = 420
QUOTES_PDF_RENDER_DELAY = 0.0  # seconds before a first attempt renders (tests: a kill window)
# The print template of a quote's document. Tests of the job machinery (retries, leases,
# storage) render a one-page template instead (config/settings/test.py): a real render,
# through the same code, of a document of 0.05 s of CPU instead of ~3 s (20+ pages).
QUOTES_PDF_TEMPLATE = "quotes/pdf/document.html"
# E-mail (the customer's link when a quote is sent): SMTP from the environment in production;
# the embedded default writes to a file outbox (config.settings.local).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "outbox"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "quotes@localhost")
# Eager tasks (no broker) run in a background thread instead of inside the request.
TASKS_EAGER_IN_BACKGROUND = env_bool("TASKS_EAGER_IN_BACKGROUND", False)
# Discount policy: the largest effective discount (%, lines and overall together) a user of
# each role may send without a sales manager's approval. Per-organization limits are rows of
# quotes.DiscountLimit (admin); these are the defaults when no row applies.
QUOTES_DISCOUNT_LIMITS = {"partner": "10", "sales": "15", "manager": "30", "admin": "15"}
# A runner's lease on the job it renders, renewed every third of it; a lost runner's jobs are
# requeued by the next sweep after it expires (lease + sweep interval: under a minute).
QUOTES_PDF_LEASE_SECONDS = float(os.environ.get("QUOTES_PDF_LEASE_SECONDS", "30"))
# Storage errors: retried every N seconds without spending render attempts, for at most this
# long after the job was queued; temporary files older than this are a killed render's.
QUOTES_PDF_STORAGE_RETRY_SECONDS = int(os.environ.get("QUOTES_PDF_STORAGE_RETRY_SECONDS", "15"))
QUOTES_PDF_STORAGE_WAIT_SECONDS = int(os.environ.get("QUOTES_PDF_STORAGE_WAIT_SECONDS", "1800"))
QUOTES_PDF_TMP_MAX_AGE_SECONDS = 300


# The shared cache (apps.core.cache): API token authentication, throttles and rate limits, one
# cache for every gunicorn worker and web replica. CACHE_URL is `redis://host:6379/N` (Django's
# RedisCache, outage-tolerant, clear() limited to KEY_PREFIX so it may share the broker's
# database) or `file:///absolute/dir` (Django's FileBasedCache: several processes of one
# machine). Unset: the Celery broker's Redis when CELERY_BROKER_URL is set, else var/cache.
def shared_cache(url: str, key_prefix: str) -> dict[str, Any]:
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "apps.core.cache.SharedRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": key_prefix,
            "TIMEOUT": 300,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if url.startswith("file:///"):
        return {
            "BACKEND": "apps.core.cache.SharedFileCache",  # atomic incr/add across processes
            "LOCATION": url.removeprefix("file://"),
            "KEY_PREFIX": key_prefix,
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    raise ImproperlyConfigured(f"CACHE_URL must be redis://… or file:///absolute/dir, got {url!r}")


CACHE_URL = (
    os.environ.get("CACHE_URL")
    or os.environ.get("CELERY_BROKER_URL")
    or f"file://{BASE_DIR / 'var' / 'cache'}"
)
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "portal")
CACHES = {"default": shared_cache(CACHE_URL, CACHE_KEY_PREFIX)}

# The partner REST API (/api/v1/, apps/api): token or session auth, one error format, JSON
# only, per-token throttles, limit/offset pagination, OpenAPI schema by drf-spectacular.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.api.authentication.ApiTokenAuthentication",  # first: 401 + WWW-Authenticate
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.api.permissions.IsAuthenticatedWithScope"],
    "DEFAULT_RENDERER_CLASSES": ["apps.api.renderers.OrjsonRenderer"],
    "DEFAULT_PARSER_CLASSES": ["apps.api.parsers.BoundedJSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "apps.api.negotiation.JsonAlways",
    # apps.api.errors.exception_handler, with database outages answered 503 + Retry-After.
    "EXCEPTION_HANDLER": "apps.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["apps.api.throttles.ReadWriteThrottle"],
    "DEFAULT_PAGINATION_CLASS": "apps.api.pagination.ApiPagination",
    "DEFAULT_SCHEMA_CLASS": "apps.api.schema.ApiAutoSchema",
}
# Requests per token (per user for session callers, per address for anonymous ones).
API_THROTTLE_RATES = {
    "read": os.environ.get("API_RATE_READ", "600/min"),
    "write": os.environ.get("API_RATE_WRITE", "120/min"),
    "sizing": os.environ.get("API_RATE_SIZING", "60/min"),
    "anon": os.environ.get("API_RATE_ANON", "60/min"),
}
# POST /api/v1/sizing/ answers kept per process for a repeated workload (apps/api/sizing_memo.py,
# invalidated by every catalog change); 0 turns the memo off.
API_SIZING_MEMO_SIZE = int(os.environ.get("API_SIZING_MEMO_SIZE", "128"))
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(64 * 1024)))
# A keyless retry of the same quote creation (same caller and body) within this many seconds
# answers the quote already made instead of a second one (apps/api/writes.py).
API_CREATE_RETRY_WINDOW_SECONDS = int(os.environ.get("API_CREATE_RETRY_WINDOW_SECONDS", "600"))
SPECTACULAR_SETTINGS = {
    "TITLE": "GenAI cluster sizing portal — partner API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (BASE_DIR / "apps" / "api" / "schema_description.md").read_text("utf-8"),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "QuoteStatusEnum": "apps.quotes.choices.QuoteStatus",
        "PdfJobStatusEnum": "apps.quotes.choices.PdfJobStatus",
        "BomSectionEnum": "apps.quotes.choices.Section",
    },
}

# Logs: JSON lines with the request id (apps.ops.logging) by default; LOG_FORMAT=plain for
# people reading a terminal. apps.ops.access logs one line per request (method, path, status,
# duration_ms, user_id).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "apps.ops.logging.JsonFormatter"},
    },
    # Share tokens, API tokens and secret parameters never reach a log line (apps.ops.redact).
    "filters": {
        "redact": {"()": "apps.ops.redact.RedactSecretsFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("LOG_FORMAT", "json"),
            "filters": ["redact"],
        },
        "mail_admins": {  # Django's error e-mails (when ADMINS is set), redacted as well
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "redact"],
            "reporter_class": "apps.ops.redact.RedactingExceptionReporter",
        },
    },
    "loggers": {
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        # WeasyPrint logs ~60 INFO lines per document ("Step 5 - Creating layout - Page 12").
        "weasyprint.progress": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
DEFAULT_EXCEPTION_REPORTER = "apps.ops.redact.RedactingExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "apps.ops.redact.RedactingReporterFilter"
OPS_ACCESS_LOG = env_bool("ACCESS_LOG", True)
OPS_RETRY_AFTER_SECONDS = 5  # Retry-After of the 503 answered while the database is away
OPS_TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))  # X-Forwarded-For hops
# Addresses or CIDR networks of the reverse proxies; X-Forwarded-* headers from any other peer
# are dropped (apps.ops.middleware.ForwardedHeadersMiddleware). Empty: trust no forwarded header.
OPS_TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
OPS_HEALTH_TIMEOUT_SECONDS = 1.0  # each readiness check (database, cache, broker, storage)
OPS_PG_BIN_DIR = os.environ.get("PG_BIN_DIR", "")  # pg_dump/psql directory; empty: on PATH
# Shared-cache rate limits (apps/core/ratelimit.py): name -> "count/seconds" overriding the
# limit written where it is used; empty: those limits.
RATE_LIMITS: dict[str, str] = {}
for _proxy in OPS_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 172.30.0.2)"
        ) from _exc


def require_secret_key(key: str) -> str:
    """Production refuses a missing, short or placeholder secret key."""
    if len(key) < 50 or key.startswith("django-insecure") or len(set(key)) < 5:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(64))')"
        )
    return key
