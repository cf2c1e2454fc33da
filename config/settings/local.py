"""The embedded default: one command on a fresh machine, no services needed.

SQLite under var/, Celery tasks executed in-process in a background thread (so PDFs render
and e-mails go without Redis, and never inside the request), e-mails to var/outbox/, DEBUG on.
"""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-only-not-for-production"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
# ... but away from the request: a PDF render or an e-mail never holds "Send" (apps.core.dispatch)
TASKS_EAGER_IN_BACKGROUND = env_bool("TASKS_EAGER_IN_BACKGROUND", True)
# The customer's e-mails land as files in var/outbox/ (EMAIL_BACKEND=…smtp… to really send).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
(BASE_DIR / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)
