#!/usr/bin/env bash
# Run the whole test suite. Without environment it uses SQLite and in-process tasks, and skips
# what needs PostgreSQL, Redis, a Celery worker or Chromium, and says loudly how many it skipped
# and how to run them (the summary at the end, tests/conftest.py). .ci/run sets DATABASE_URL,
# CELERY_BROKER_URL and REQUIRE_SERVICES=1, which turns those skips into failures.
#
# The tests run in parallel, pytest-xdist processes, one more than cores (PYTEST_WORKERS=N to choose,
# 0 for one process; arguments after the script's name go to pytest). Each process has its own
# test database (test_<name>_gwN), cache and broker key prefixes, documents directory and ports
# (config/settings/test.py, tests/stack.py); --dist worksteal evens out the long fault tests,
# and tests/schedule.py starts each process's slice with its share of the long ones
# (tests/durations.json), so none of them starts last.
# The schemathesis request count is checked over all processes (tests/conftest.py).
#
# Bytecode is written (PYTHONDONTWRITEBYTECODE, set on the development machine and in the
# image's Dockerfile, is unset here): pytest then keeps its assertion-rewritten test modules and plugins
# in __pycache__ instead of rewriting and compiling them again in every process — collecting
# the suite costs ~4.7 s of CPU instead of ~9.4 s, in each xdist process.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONDONTWRITEBYTECODE
./scripts/install.sh
# One process more than cores: about half of the suite's wall time is waiting (workers being
# killed and restarted, outages held for seconds, Chromium and live servers answering), so with
# one process a core the cores sit idle half the time (bench/RESULTS.md, "Test suite, session 4").
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-$(($(nproc) + 1))}" --dist worksteal "$@"
