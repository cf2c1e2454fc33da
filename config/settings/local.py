"""The embedded default: one command on a fresh machine, no services needed.

SQLite under var/, Celery tasks executed in-process (so PDFs render without Redis), DEBUG on.
"""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-only-not-for-production"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
