"""CPU per request of GET /api/v1/schema/ (issue 16: generated once per process and cached),
and 300 requests from 8 threads at once (issue 16: 7 of 300 failed before).

In-process through Django's test client (routing, middleware, the view, the access log
written as in production) with the test settings on a throw-away SQLite database: the schema
touches no table; the anonymous rate limit (60/min) is lifted. Prints the first request's CPU
(generation and rendering), the cached requests' median, their ratio, for YAML and JSON; then
the concurrent run's status counts.

    .venv/bin/python bench/bench_schema.py [--requests 200]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("PYTEST_XDIST_WORKER", "bench-schema")
    os.environ["API_RATE_ANON"] = "1000000/s"  # the public schema's rate limit lifted
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the bench
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    call_command("migrate", verbosity=0)


def _cpu_ms(client, path: str) -> float:  # noqa: ANN001
    started = time.thread_time()
    response = client.get(path)
    spent = (time.thread_time() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: {response.status_code}")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "bench.sqlite3"))
        from django.test import Client

        client = Client(SERVER_NAME="localhost")
        for label, path in [("YAML", "/api/v1/schema/"), ("JSON", "/api/v1/schema/?format=json")]:
            first = _cpu_ms(client, path)
            cached = statistics.median(_cpu_ms(client, path) for _ in range(args.requests))
            size = len(client.get(path).content) / 1024
            print(
                f"schema {label} ({size:.0f} KiB): first request {first:.1f} ms CPU, then median "
                f"{cached:.2f} ms CPU over {args.requests} requests (ratio {first / cached:.0f}x)"
            )
        from apps.api.views import schema

        schema.forget()  # the concurrent run starts from a process that has no schema yet
        statuses: collections.Counter[int] = collections.Counter()
        lock = threading.Lock()

        def worker(n: int) -> None:
            mine = Client(SERVER_NAME="localhost")
            for _ in range(n):
                try:
                    code = mine.get("/api/v1/schema/").status_code
                except Exception:  # noqa: BLE001 - counted as a failure
                    code = 0
                with lock:
                    statuses[code] += 1

        started = time.perf_counter()
        threads = [
            threading.Thread(target=worker, args=(300 // 8 + (i < 300 % 8),)) for i in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        failed = sum(v for k, v in statuses.items() if k != 200)
        print(
            f"concurrent: 300 requests from 8 threads in {seconds:.2f} s: "
            f"{dict(statuses)}; failed {failed} (target 0) -> {'OK' if failed == 0 else 'FAILED'}"
        )


if __name__ == "__main__":
    main()
