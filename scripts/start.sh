#!/usr/bin/env bash
# One command on a fresh Debian machine with Python 3.11: install into .venv, create the embedded
# SQLite database, load the catalog, create the demo sales user and serve http://127.0.0.1:8000
# with Celery tasks executed in-process (no Redis needed). PORT=8001 serves another port.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install.sh
export DJANGO_SETTINGS_MODULE=config.settings.local
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py catalog_import fixtures/catalog/
.venv/bin/python manage.py create_demo_user
PORT=${PORT:-8000}
echo "Portal: http://127.0.0.1:$PORT/  (Ctrl-C stops it)"
exec .venv/bin/python manage.py runserver "127.0.0.1:$PORT"
