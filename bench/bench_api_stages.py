"""Where the CPU of POST /api/v1/sizing/ goes, part by part, next to GET /api/v1/me/ (prints
figures; not a test). bench_api.py measures the ratio through gunicorn; this says what costs
what inside one request.

In one process, production settings (`config.settings.production`) against PostgreSQL and
Redis: a throw-away database `<name>_stages` (migrated, catalog imported, a read-only token;
bench_api.py's setup), requests through Django's WSGI handler called directly (no HTTP server:
gunicorn and the kernel add the same ~0.3-0.4 ms to every endpoint). Rounds alternate /me/,
/sizing/ with a distinct workload every request (prompt_tokens 1001, 1002, …: the engine runs
every time, as bench_api's acceptance run) and /sizing/ repeated (the answer kept per process).
Each part of the distinct request is timed with `time.thread_time()` by wrapping the function
the request path calls (a wrapper costs ~1 µs; the parts nest: the gateway holds the engine,
`to_dict` and `annotate`; the view holds the gateway). Prints the medians over the rounds and
the engine budget the issue's target leaves: 1.3 × /me/ − (what /sizing/ costs besides the
engine).

    DATABASE_URL=postgres://portal:portal@127.0.0.1:5432/portal_api \\
        .venv/bin/python bench/bench_api_stages.py [--requests 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import bench_api  # noqa: E402

PARTS: dict[str, float] = {}


def timed(owner: Any, name: str, label: str) -> None:
    """Wrap `owner.name` so its CPU time adds up under `label`."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            PARTS[label] = PARTS.get(label, 0.0) + time.thread_time() - started

    setattr(owner, name, wrapper)


def wrap_parts() -> list[str]:
    """The parts of the request path, outermost first (their order in the table)."""
    import rest_framework.request
    import rest_framework.views

    from apps.api import sizing_memo
    from apps.api.views import meta, sizing
    from apps.sizing import engine, gateway, tco
    from apps.sizing.engine.result import SizingResult

    timed(rest_framework.views.APIView, "initial", "auth, permissions, throttles")
    timed(sizing.SizingApi, "post", "the view (all below)")
    timed(meta.MeApi, "get", "the view (all below)")
    timed(rest_framework.request.Request, "_parse", "  body parse (request.data)")
    timed(sizing, "json_data", "  body parse (request.data)")  # the view's way to it
    timed(sizing, "price_book_current", "  current price book")
    for name in ("key", "get", "put"):
        timed(sizing_memo, name, "  answers kept (key, get, put)")
    timed(gateway, "size", "  gateway.size (all below)")
    timed(engine, "size", "    engine.size()")
    timed(SizingResult, "to_dict", "    result.to_dict()")
    timed(tco, "annotate", "    tco.annotate()")
    timed(sizing, "render_sizing", "  answer rendered (orjson)")
    return [
        "auth, permissions, throttles",
        "the view (all below)",
        "  body parse (request.data)",
        "  current price book",
        "  answers kept (key, get, put)",
        "  gateway.size (all below)",
        "    engine.size()",
        "    result.to_dict()",
        "    tco.annotate()",
        "  answer rendered (orjson)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per endpoint a round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL", bench_api.DEFAULT_DB)
    url, name = bench_api.bench_database_url(admin_url)
    url, name = url.replace("_bench", "_stages"), name.replace("_bench", "_stages")
    env = bench_api.bench_settings(url)
    bench_api.recreate_database(admin_url, name)
    try:
        token = bench_api.prepare({**os.environ, **env})
        os.environ.update(env)
        os.chdir(ROOT)
        from config.wsgi import application

        return run(application, token, args)
    finally:
        from django.db import connections

        connections.close_all()
        bench_api.recreate_database(admin_url, name, drop_only=True)


def run(application: Any, token: str, args: Any) -> int:
    call = bench_api.wsgi_caller(application, token)

    serial = iter(range(10**9))
    same_body = json.dumps(bench_api.WORKLOAD).encode()
    endpoints: dict[str, Callable[[], None]] = {
        "/me/": lambda: call("GET", "/api/v1/me/"),
        "/sizing/ distinct": lambda: call(
            "POST", "/api/v1/sizing/", bench_api.distinct_workload(next(serial)).encode()
        ),
        "/sizing/ same": lambda: call("POST", "/api/v1/sizing/", same_body),
    }
    for request in endpoints.values():  # warm: imports, caches, the catalog snapshot
        for _ in range(50):
            request()
    order = wrap_parts()
    totals: dict[str, list[float]] = {label: [] for label in endpoints}
    parts: dict[str, dict[str, list[float]]] = {label: {} for label in endpoints}
    for _ in range(args.rounds):
        for label, request in endpoints.items():
            bodies = (
                [bench_api.distinct_workload(next(serial)).encode() for _ in range(args.requests)]
                if label == "/sizing/ distinct"
                else None
            )
            PARTS.clear()
            spent = []
            for i in range(args.requests):
                if bodies is not None:  # the body made before the clock starts
                    started = time.thread_time()
                    call("POST", "/api/v1/sizing/", bodies[i])
                else:
                    started = time.thread_time()
                    request()
                spent.append(time.thread_time() - started)
            totals[label].append(statistics.mean(spent) * 1000)
            for part, seconds in PARTS.items():
                parts[label].setdefault(part, []).append(seconds * 1000 / args.requests)

    print(
        f"in-process WSGI, production settings, PostgreSQL + Redis; {args.rounds} rounds × "
        f"{args.requests} requests per endpoint; load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print("CPU ms per request (mean of each round; median of the rounds)")
    print(f"{'part':36}" + "".join(f"{label:>18}" for label in endpoints))
    print(
        f"{'whole request':36}" + "".join(f"{statistics.median(totals[x]):18.3f}" for x in totals)
    )
    for part in order:
        cells = [
            f"{statistics.median(parts[x][part]):18.3f}" if part in parts[x] else f"{'':18}"
            for x in endpoints
        ]
        print(f"{part:36}" + "".join(cells))
    me = statistics.median(totals["/me/"])
    distinct = statistics.median(totals["/sizing/ distinct"])
    engine = statistics.median(parts["/sizing/ distinct"]["    engine.size()"])
    around = distinct - engine
    print(
        f"/sizing/ distinct = {distinct / me:.2f}× /me/ in-process; besides the engine it costs "
        f"{around:.3f} ms ({around - me:+.3f} ms vs /me/), the engine {engine:.3f} ms. "
        f"At 1.3× /me/ the engine may cost {1.3 * me - around:.3f} ms with the rest as it is."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
