"""No query outlives its purpose (docs/operations.md, "Start-up time limit"): a backend whose
client is gone stops its query (client_connection_check_interval), and the web worker's
start-up time limit holds for its own transaction only (config/worker.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from config.worker import statement_timeout
from tests.conftest import require_or_skip
from tests.stack import current_database_url, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Seconds of CPU in PostgreSQL, checking for interrupts all along (no output until the end).
RUNAWAY = "SELECT count(*) FROM generate_series(1, 10000000000)"


def _backend(pid: int) -> tuple[str, str] | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def test_a_query_whose_client_was_killed_stops_within_the_check_interval():
    """A process of the portal (its settings) runs a CPU-bound query and is SIGKILLed, as a
    web worker killed by gunicorn's timeout or an interrupted test run: its backend notices
    the closed socket and stops the query (without the setting it ran to its end)."""
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    code = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "cursor = connection.cursor()\n"
        "cursor.execute('SELECT pg_backend_pid(), current_setting(%s)',"
        " ['client_connection_check_interval'])\n"
        "print(*cursor.fetchone(), flush=True)\n"
        f"cursor.execute({RUNAWAY!r})\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": current_database_url(),
        "DATABASE_CLIENT_CHECK_MS": "500",
        "TEST_STATEMENT_TIMEOUT_MS": "0",  # only the client check may end it
    }
    client = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    pid = 0
    try:
        assert client.stdout is not None
        pid_text, interval = client.stdout.readline().split()
        pid = int(pid_text)
        assert interval == "500ms"
        wait_until(lambda: (_backend(pid) or ("", ""))[1] == RUNAWAY, 30, "the query to run")
        client.send_signal(signal.SIGKILL)
        client.wait(timeout=30)
        killed = time.monotonic()
        wait_until(lambda: _backend(pid) is None, 15, "the backend to stop its query")
        assert time.monotonic() - killed < 15
    finally:
        if client.poll() is None:
            client.kill()
            client.wait(timeout=30)
        if pid:
            with connection.cursor() as cursor:  # whatever happened, nothing is left running
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return str(cursor.fetchone()[0])


def test_the_start_up_time_limit_cancels_a_slow_statement_and_ends_with_its_transaction():
    require_or_skip(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    before = _statement_timeout()
    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"):
        with statement_timeout(200), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")
    assert time.monotonic() - started < 5  # cancelled, not slept out
    assert _statement_timeout() == before  # the connection the worker keeps has no limit
    with statement_timeout(250):
        assert _statement_timeout() == "250ms"
    assert _statement_timeout() == before
    with statement_timeout(0):  # 0: no limit of its own
        assert _statement_timeout() == before
