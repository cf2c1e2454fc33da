#!/usr/bin/env bash
# House-style gates, run by .ci/run before the tests; any finding fails the run.
# ruff format (the formatter is the style), ruff check (rule set in pyproject.toml [tool.ruff.lint])
# mypy --strict on the framework-free engine and mypy at the documented level elsewhere, and the import check (scripts/check_imports.py: no
# import cycles, apps layered, the engine free of Django, views write only through services).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin
[ -x "$PY/python" ] || ./scripts/install.sh
$PY/ruff format --check --quiet . || { echo "lint: run '.venv/bin/ruff format .'" >&2; exit 1; }
$PY/ruff check --quiet .
$PY/mypy --strict apps/sizing/engine
$PY/mypy apps config          # the documented level of pyproject.toml [tool.mypy]
$PY/python scripts/check_imports.py
$PY/python scripts/check_module_size.py   # no module over ~400 lines without a line saying why
echo "lint: ruff format, ruff check, mypy, the import check and the module-size check passed"
