"""Instructions per request of GET /api/v1/me/ and POST /api/v1/sizing/ (same and distinct
workloads), counted by valgrind's callgrind: a figure the box's load and speed do not move,
unlike bench_api.py's CPU times (prints figures; not a test).

In one process per count, production settings against PostgreSQL and Redis (bench_api.py's
setup: a throw-away database `<name>_callgrind`, migrated, catalog imported, a read-only token),
requests through Django's WSGI handler called directly as bench_api_stages.py does. Each process
warms up (30 requests of each kind), collects and freezes the heap for the garbage collector
as production's workers do after start-up (config/worker.py), then makes `--base` or
`--base + --requests` requests of one kind; per request = (Ir(base + requests) − Ir(base)) ÷
requests, so start-up and warm-up cancel out. `distinct` sizes a new prompt length every
request (bench_api's acceptance workload: the engine runs every time); `same` repeats one
workload (the answer kept per process). `PYTHONHASHSEED=0` and address randomisation off
(`setarch -R`, bench/callgrind.py) in every process. A kind takes a few
minutes under valgrind.

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_api \\
        .venv/bin/python bench/bench_api_callgrind.py [--kinds me distinct] [--requests 40]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_api  # noqa: E402
import callgrind  # noqa: E402

KINDS = ("me", "same", "distinct")
WARM = 30


def requests_of(application: Any, token: str) -> dict[str, Any]:
    """A callable per kind making one request through the WSGI handler."""
    serial = iter(range(10**9))

    call = bench_api.wsgi_caller(application, token)

    same = json.dumps(bench_api.WORKLOAD).encode()
    return {
        "me": lambda: call("GET", "/api/v1/me/"),
        "same": lambda: call("POST", "/api/v1/sizing/", same),
        "distinct": lambda: call(
            "POST", "/api/v1/sizing/", bench_api.distinct_workload(next(serial)).encode()
        ),
    }


def run_requests(kind: str, count: int, token: str) -> None:
    """The measured process (under valgrind): warm up, freeze the heap, `count` requests."""
    import gc

    os.chdir(ROOT)
    from config.wsgi import application  # django.setup() first: the apps' imports need it

    requests = requests_of(application, token)
    from django.core.cache import cache

    from apps.accounts import selectors, token_cache
    from apps.catalog import selectors as catalog_selectors

    # The steady state: the once-a-minute refreshes (token cache 30 s, last_used_at 60 s,
    # catalog revision 60 s; the database connection's age in `instructions`) would fall
    # inside a run that valgrind makes ~50x slower.
    token_cache.TTL_SECONDS = selectors.LAST_USED_RESOLUTION_S = 3600
    catalog_selectors.REVISION_CACHE_SECONDS = 3600
    cache.clear()  # nothing kept with the short timeouts by an earlier process
    for request in requests.values():
        for _ in range(WARM):
            request()
    gc.collect()
    gc.freeze()
    for _ in range(count):
        requests[kind]()


def instructions(kind: str, count: int, token: str, env: dict[str, str], out: Path) -> int:
    """Ir of one process making `count` requests of `kind`."""
    command = [sys.executable, str(Path(__file__).resolve()), "--run", kind, str(count), token]
    env = {**env, "PYTHONHASHSEED": "0", "DATABASE_CONN_MAX_AGE": "3600"}
    return callgrind.instructions(command, env, ROOT, out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--requests", type=int, default=40, help="requests counted per kind")
    parser.add_argument("--base", type=int, default=10, help="requests of the subtracted run")
    parser.add_argument(
        "--run", nargs=3, metavar=("KIND", "COUNT", "TOKEN"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.run:  # the process under valgrind (settings already in its environment)
        run_requests(args.run[0], int(args.run[1]), args.run[2])
        return 0

    admin_url = os.environ.get("DATABASE_URL", bench_api.DEFAULT_DB)
    url, name = bench_api.bench_database_url(admin_url)
    url, name = url.replace("_bench", "_callgrind"), name.replace("_bench", "_callgrind")
    env = {**os.environ, **bench_api.bench_settings(url)}
    bench_api.recreate_database(admin_url, name)
    try:
        token = bench_api.prepare(env)
        figures: dict[str, float] = {}
        with tempfile.TemporaryDirectory(prefix="bench-api-callgrind-") as tmp:
            for kind in args.kinds:
                low = instructions(kind, args.base, token, env, Path(tmp) / f"{kind}.low")
                high = instructions(
                    kind, args.base + args.requests, token, env, Path(tmp) / f"{kind}.high"
                )
                figures[kind] = (high - low) / args.requests
                print(f"{kind:10} {figures[kind] / 1e6:8.3f} M instructions per request")
    finally:
        bench_api.recreate_database(admin_url, name, drop_only=True)
    if "me" in figures:
        for kind in ("same", "distinct"):
            if kind in figures:
                print(f"/sizing/ {kind} / /me/ = {figures[kind] / figures['me']:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
