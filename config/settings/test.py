"""What the test suite runs. DATABASE_URL selects PostgreSQL (CI) or the SQLite default.

REQUIRE_SERVICES=1 (set by .ci/run) turns every "service not available" skip into a failure.
"""

import os
from pathlib import Path

from .base import *  # noqa: F403
from .base import (
    BASE_DIR,
    CELERY_BROKER_TRANSPORT_OPTIONS,
    DATABASES,
    TEMPLATES,
    env_millis,
    shared_cache,
)

SECRET_KEY = "test-secret-key-not-for-production-" + "x" * 32
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") == "1"
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)

# The shared cache as in production when Redis is configured (CELERY_BROKER_URL or CACHE_URL),
# else a file cache (shared with the worker subprocesses of the worker tests). One key prefix
# (and directory) per pytest-xdist worker, so parallel workers never see each other's keys.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", BASE_DIR / "var" / "test-documents" / _WORKER))
CACHES = {
    "default": shared_cache(
        os.environ.get("CACHE_URL")
        or os.environ.get("CELERY_BROKER_URL")
        or f"file://{BASE_DIR / 'var' / 'test-cache' / _WORKER}",
        f"test-{_WORKER}",
    )
}

# The broker's keys and channels get the same per-worker prefix (CELERY_BROKER_KEY_PREFIX, which
# the worker subprocesses and tests/stack.py's production processes are given), so a test's
# Celery worker takes only its own test process's tasks and answers only its pings.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "global_keyprefix": os.environ.get("CELERY_BROKER_KEY_PREFIX") or f"test-{_WORKER}:",
}
# Worker tests (tests/quotes) shorten the broker's visibility timeout and restore sweep so a
# message held by a killed worker comes back in seconds, and can slow a render down to kill
# the worker in the middle of it. Defaults leave the base settings unchanged.
if os.environ.get("TEST_CELERY_VISIBILITY_TIMEOUT"):
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "visibility_timeout": int(os.environ["TEST_CELERY_VISIBILITY_TIMEOUT"]),
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
# No statement of the test processes runs for ever: one over TEST_STATEMENT_TIMEOUT_MS (5 min,
# far above any test's) fails its test, naming the statement, instead of holding the whole run
# until its outer timeout (a catalog SELECT at 97 % of a core for 69 minutes, session 7).
TEST_STATEMENT_TIMEOUT_MS = env_millis("TEST_STATEMENT_TIMEOUT_MS", 300_000)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and TEST_STATEMENT_TIMEOUT_MS:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c statement_timeout={TEST_STATEMENT_TIMEOUT_MS}"
    ).strip()
QUOTES_PDF_RENDER_DELAY = float(os.environ.get("TEST_PDF_RENDER_DELAY", "0"))
# The job-machinery tests' one-page document (tests/templates/tests/one_page_document.html,
# the `one_page_document` fixture; TEST_PDF_TEMPLATE for a worker subprocess): the tests
# whose subject is the document itself render quotes/pdf/document.html.
QUOTES_PDF_TEMPLATE = os.environ.get("TEST_PDF_TEMPLATE", "quotes/pdf/document.html")
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates", BASE_DIR / "tests" / "templates"]
