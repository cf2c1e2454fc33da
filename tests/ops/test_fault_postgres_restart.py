"""PostgreSQL restarted during concurrent quote creation without Idempotency-Keys (issue 18):
rows written = 201 answers, no duplicate, numbers gap-free.

The test's own PostgreSQL cluster (never the shared one) serves a gunicorn replica with the
production settings; CLIENTS threads create quotes from a saved scenario, each intended quote
with its own body, and retry it on 503 or a lost connection (as a client following
Retry-After does) until it is answered. PostgreSQL is stopped (`pg_ctl stop -m fast`, which
ends every connection, in-flight commits included) and started again during the run."""

from __future__ import annotations

import collections
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests import stack
from tests.conftest import require_or_skip

pytestmark = [pytest.mark.services]

CLIENTS = 12
# New quotes are started for RUN_SECONDS; the clients keep the web replica busy (~30 creations a
# second on this machine, ~47 ms of CPU each), so the traffic before the stop (2.5 s, ~70
# quotes, commits always in flight) and after the restart is what the test costs.
RUN_SECONDS = 9.0
DOWN_AT, DOWN_FOR = 2.5, 4.0
GIVE_UP_SECONDS = 90.0


def _setup(env: dict[str, str], workdir: Path) -> dict[str, object]:
    done = subprocess.run(  # noqa: S603 - the project's bench set-up script
        [sys.executable, str(stack.ROOT / "bench" / "_setup_users.py")],
        cwd=workdir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_postgres_restart_during_concurrent_creation_writes_each_answered_quote_once(
    tmp_path: Path,
) -> None:
    require_or_skip((stack.PG_BIN / "initdb").exists(), "PostgreSQL 15 server binaries")
    require_or_skip(shutil.which("redis-server") is not None, "redis-server binary")
    pg = stack.PrivatePostgres().start()
    redis_server = stack.PrivateRedis(tmp_path / "redis").start()
    web: stack.Process | None = None
    try:
        env = stack.production_env(
            database_url=pg.create_portal_db(),
            redis_url=redis_server.url,
            STORAGE_PATH=str(tmp_path / "documents"),
            API_RATE_WRITE="100000/min",
            API_RATE_SIZING="100000/min",
            API_RATE_READ="100000/min",
            OPS_RETRY_AFTER_SECONDS="1",
        )
        env["STATIC_ROOT"] = str(stack.static_root(env))
        stack.manage(env, "migrate", "--noinput")
        stack.manage(env, "catalog_import", str(stack.ROOT / "fixtures" / "catalog"))
        creds = _setup(env, tmp_path)
        web = stack.web("web", env, tmp_path / "host-web", workers=3).start()
        stack.wait_until(lambda: stack.http_ok(web.port or 0), 90, "gunicorn", web.log)

        answers: collections.Counter[int] = collections.Counter()
        answered: dict[str, int] = {}  # intended quote (customer) -> quote id of its 201
        abandoned: list[str] = []
        replayed = [0]  # 201s that answered a quote made by an earlier try
        lock = threading.Lock()
        started = time.monotonic()
        headers = {"Authorization": f"Bearer {creds['token']}"}

        def client(n: int) -> None:
            http = stack.Browser()
            for i in range(10_000):
                if time.monotonic() - started > RUN_SECONDS:
                    return
                customer = f"Client {n:02d} order {i:04d}"
                body = {
                    "scenario": creds["scenario"],
                    "customer_company": customer,
                    "customer_contact": "Ada",
                    "customer_email": "ada@example.com",
                }
                first_try = time.monotonic()
                while True:
                    try:
                        got = http.request(
                            web.port or 0, "POST", "/api/v1/quotes/", body=body, headers=headers
                        )
                        status = got.status
                    except OSError:
                        status = 0  # connection refused/reset: retry as for a 503
                    with lock:
                        answers[status] += 1
                    if status == 201:
                        with lock:
                            replayed[0] += got.headers.get("idempotent-replayed") == "true"
                            assert customer not in answered, f"{customer} answered 201 twice"
                            answered[customer] = got.json()["id"]
                        break
                    if status not in {0, 503} or time.monotonic() - first_try > GIVE_UP_SECONDS:
                        with lock:
                            abandoned.append(f"{customer}: {status}")
                        break
                    time.sleep(0.5)

        def fault() -> None:
            time.sleep(DOWN_AT)
            pg.stop("fast")
            time.sleep(DOWN_FOR)
            pg.start()

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=fault))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=GIVE_UP_SECONDS + RUN_SECONDS + 60)
        if not pg.running():
            pg.start()

        rows = pg.psql("SELECT customer_company || '|' || number FROM quotes_quote").splitlines()
        customers = collections.Counter(row.split("|")[0] for row in rows)
        numbers = sorted(int(re.sub(r"\D", "", row.split("|")[1])[4:]) for row in rows)
        print(
            f"\n{len(answered)} quotes answered 201, {len(rows)} rows; answers by status "
            f"{dict(sorted(answers.items()))}; {replayed[0]} retries answered an already saved "
            f"quote; abandoned {len(abandoned)}"
        )
        assert answers[503] + answers[0] > 0, "the restart was not felt: no request failed"
        assert abandoned == []
        assert len(rows) == len(answered)  # rows written = 201 answers
        assert [c for c, k in customers.items() if k > 1] == []  # no duplicate
        assert set(customers) == set(answered)
        assert numbers == list(range(1, len(numbers) + 1))  # gap-free from the first
    finally:
        if web is not None:
            web.stop()
        redis_server.stop()
        pg.remove()
