"""What Python's garbage collector costs a web worker per request, with and without the
start-up heap frozen (config/worker.py's `warm_and_freeze`, called by deploy/gunicorn.conf.py
in each worker) — prints figures, not a test.

Each mode runs in its own fresh process, as a gunicorn worker: production settings
(`config.settings.production`) on a throw-away PostgreSQL database `<name>_gc` (migrated,
catalog imported, a read-only token: bench_api.py's setup), the WSGI application imported,
then `warm_and_freeze()` (mode `on`) or nothing (`off`), then --requests requests through
Django's WSGI handler called directly, alternating GET /api/v1/me/ and POST /api/v1/sizing/
with a distinct workload every time (the engine runs every request). `gc.callbacks` time
every collection (`time.thread_time()`, CPU of this thread) by generation. Prints for each
mode: the objects frozen, collections per generation, the CPU they took in all and per
request, the longest one, the objects a full collection walked, and the p50/p99/max CPU per
request. The modes alternate --rounds times, so they share the same minutes of load.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_api \\
        .venv/bin/python bench/bench_gc.py [--requests 3000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_api  # noqa: E402


def worker(mode: str, requests: int, token: str) -> dict[str, Any]:
    """One worker's run (in this process); returns its figures."""
    os.chdir(ROOT)
    from config.worker import warm_and_freeze
    from config.wsgi import application

    frozen = warm_and_freeze() if mode == "on" else 0
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    walked: list[int] = []
    started = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.thread_time()
            if info["generation"] == 2:
                walked.append(len(gc.get_objects()))
        else:
            pauses[info["generation"]].append(time.thread_time() - started[0])

    call = bench_api.wsgi_caller(application, token)

    bodies = [bench_api.distinct_workload(i).encode() for i in range(requests // 2 + 1)]
    spent: list[float] = []
    gc.callbacks.append(callback)
    for i in range(requests):
        clock = time.thread_time()
        if i % 2:
            call("POST", "/api/v1/sizing/", bodies[i // 2])
        else:
            call("GET", "/api/v1/me/")
        spent.append(time.thread_time() - clock)
    gc.callbacks.remove(callback)
    quantiles = statistics.quantiles(spent, n=100)
    return {
        "frozen": frozen,
        "collections": [len(pauses[g]) for g in (0, 1, 2)],
        "gc_ms": sum(sum(p) for p in pauses.values()) * 1000,
        "full_ms": sum(pauses[2]) * 1000,
        "longest_ms": max((max(p) for p in pauses.values() if p), default=0.0) * 1000,
        "walked": max(walked, default=0),
        "p50_ms": quantiles[49] * 1000,
        "p99_ms": quantiles[98] * 1000,
        "max_ms": max(spent) * 1000,
        "mean_ms": statistics.mean(spent) * 1000,
        "requests": requests,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per worker run")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each mode, alternating")
    parser.add_argument("--worker", choices=["on", "off"], help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.requests, args.token)))
        return 0

    admin_url = os.environ.get("DATABASE_URL", bench_api.DEFAULT_DB)
    url, name = bench_api.bench_database_url(admin_url)
    url, name = url.replace("_bench", "_gc"), name.replace("_bench", "_gc")
    env = {**os.environ, **bench_api.bench_settings(url)}
    bench_api.recreate_database(admin_url, name)
    runs: list[tuple[str, dict[str, Any]]] = []
    try:
        token = bench_api.prepare(env)
        for _ in range(args.rounds):
            for mode in ("on", "off"):
                out = subprocess.run(  # noqa: S603
                    [sys.executable, __file__, "--worker", mode, "--token", token]
                    + ["--requests", str(args.requests)],
                    env=env,
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                runs.append((mode, json.loads(out.stdout.strip().splitlines()[-1])))
    finally:
        bench_api.recreate_database(admin_url, name, drop_only=True)

    print(
        f"in-process WSGI, production settings, PostgreSQL + Redis; {args.requests} requests a "
        f"run (/me/ and a distinct /sizing/ alternately); load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"{'freeze':6} {'frozen':>7} {'gen0/1/2':>12} {'GC ms':>7} {'full ms':>8} "
        f"{'GC ms/req':>10} {'longest':>8} {'walked':>7} {'mean':>6} {'p50':>6} {'p99':>6} "
        f"{'max':>6}"
    )
    for mode, r in runs:
        gens = "/".join(str(n) for n in r["collections"])
        print(
            f"{mode:6} {r['frozen']:7d} {gens:>12} {r['gc_ms']:7.1f} {r['full_ms']:8.1f} "
            f"{r['gc_ms'] / r['requests']:10.4f} {r['longest_ms']:8.2f} {r['walked']:7d} "
            f"{r['mean_ms']:6.3f} {r['p50_ms']:6.3f} {r['p99_ms']:6.3f} {r['max_ms']:6.2f}"
        )
    print("(CPU ms of this thread; per request = over the /me/ and /sizing/ requests together)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
