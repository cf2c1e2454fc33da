#!/usr/bin/env bash
# Run the whole test suite. Without environment it uses SQLite and in-process tasks, and skips
# what needs PostgreSQL, Redis, a Celery worker or Chromium, and says loudly how many it skipped
# and how to run them (the summary at the end, tests/conftest.py). .ci/run sets DATABASE_URL,
# CELERY_BROKER_URL and REQUIRE_SERVICES=1, which turns those skips into failures.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
exec .venv/bin/python -m pytest "$@"
