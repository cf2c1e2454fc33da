"""Latency, CPU time and queries of the wizard's htmx result update (targets: median under
100 ms for a one-node inference sizing; issue 16: ≤ 4 queries and ≤ 12 ms CPU median).

Runs the real stack in-process — URL routing, session auth, the form, the engine through
`gateway.size`, the price book, templates with the three SVGs — through Django's test
Client, against a throw-away SQLite database with the catalog fixtures imported. Each request
asks for a different user count (5…64 users: one L40S node), so every answer is a fresh
sizing, and carries the htmx headers of a value change (`HX-Target: result`).

CPU per request is the thread's CPU time (`time.thread_time()`) around the request: Python,
templates and the database client's work in this process, not the database server's — the
figure a gunicorn sync worker spends on it. Queries are counted on a separate pass (with
`CaptureQueriesContext`, which would otherwise add its own cost to the CPU figure). The shared
cache is the one the settings name (Redis when CELERY_BROKER_URL or CACHE_URL is set).
`--profile N` prints the N functions with the most cumulative time (cProfile).

    .venv/bin/python bench/bench_wizard.py [--requests 300] [--profile 30]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(db_path: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The test settings name the shared cache's key prefix after the pytest-xdist worker: a
    # prefix of the bench's own, so a test run that empties its cache does not empty this one.
    os.environ.setdefault("PYTEST_XDIST_WORKER", "bench-wizard")
    django.setup()
    import logging

    from django.core.management import call_command

    devnull = open(os.devnull, "w")  # noqa: SIM115 - for the life of the bench
    for handler in logging.getLogger().handlers:  # the access log is written, as in production
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    # Not django.test.utils.setup_test_environment(): its template instrumentation costs CPU.
    call_command("migrate", verbosity=0)
    call_command("catalog_import", str(ROOT / "fixtures" / "catalog"), verbosity=0)


def _client():  # noqa: ANN202 - django.test.Client
    from django.test import Client

    from apps.accounts.choices import OrganizationKind, Role
    from apps.accounts.services import organization_get_or_create, user_create

    org = organization_get_or_create("Bench", OrganizationKind.SELLER)[0]
    user = user_create(
        username="bench", password="bench-password-1", organization=org, role=Role.SALES
    )
    client = Client(SERVER_NAME="localhost")  # an ALLOWED_HOSTS name
    client.force_login(user)
    return client


def _get(client, params: dict[str, str]):  # noqa: ANN202 - django.test Response
    headers = {"HX-Request": "true", "HX-Target": "result", "HX-Current-URL": "/sizing/"}
    return client.get("/sizing/", params, headers=headers)


def _check(response, params: dict[str, str]) -> None:  # noqa: ANN001
    body = response.content.decode()
    if response.status_code != 200 or 'class="status"' not in body:
        raise SystemExit(f"unexpected answer {response.status_code}: {body[:300]}")
    if "in 1 node" not in body:
        raise SystemExit(f"not a one-node sizing for {params}")


def _measure(
    client, query: dict[str, str], n: int, vary: str, values: list[int]
) -> tuple[list[float], list[float], list[int]]:
    """Wall-clock ms, CPU ms and response bytes per request."""
    timings, cpu, sizes = [], [], []
    for i in range(n):
        params = {**query, vary: str(values[i % len(values)])}
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = _get(client, params)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        timings.append((time.perf_counter() - started) * 1000)
        _check(response, params)
        sizes.append(len(response.content))
    return timings, cpu, sizes


def _queries(client, query: dict[str, str], vary: str, values: list[int]) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for value in values:
        params = {**query, vary: str(value)}
        with CaptureQueriesContext(connection) as ctx:
            _check(_get(client, params), params)
        counts.append(len(ctx.captured_queries))
    return counts


def _report(name: str, timings: list[float]) -> float:  # ms
    ordered = sorted(timings)
    p95 = ordered[int(round(0.95 * (len(ordered) - 1)))]
    median = statistics.median(ordered)
    print(
        f"{name}: n={len(ordered)} median={median:.1f} ms p95={p95:.1f} ms "
        f"mean={statistics.fmean(ordered):.1f} ms min={ordered[0]:.1f} ms "
        f"max={ordered[-1]:.1f} ms"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "bench.sqlite3"))
        client = _client()
        one_node = {
            "kind": "inference",
            "model": "llama-3.1-8b",
            "gpu": "l40s-48gb",
            "fabric": "infiniband",
            "prompt_tokens": "1024",
            "output_tokens": "256",
        }
        users = list(range(5, 65))
        _measure(client, one_node, 20, "users", users)  # warm-up: snapshot, templates
        timings, cpu, sizes = _measure(client, one_node, args.requests, "users", users)
        median = _report("htmx result update, one-node inference (L40S, Llama 3.1 8B)", timings)
        cpu_median = _report("  CPU per request", cpu)
        print(f"  response: median {statistics.median(sizes) / 1024:.1f} KiB")
        counts = _queries(client, one_node, "users", users[:20])
        print(f"  queries per request: min {min(counts)} max {max(counts)} (20 requests)")
        _report(
            "  for comparison, CPU per request with GPU 'auto' (6 GPU x fabric options sized)",
            _measure(
                client,
                {**one_node, "gpu": "auto", "fabric": "auto"},
                max(50, args.requests // 4),
                "users",
                users,
            )[1],
        )
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(_measure, client, one_node, 100, "users", users)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
        print(f"latency: median < 100 ms -> {'OK' if median < 100 else 'TOO SLOW'}")
        print(
            f"issue 16: CPU median {cpu_median:.1f} ms (target <= 12) -> "
            f"{'OK' if cpu_median <= 12 else 'TOO SLOW'}; "
            f"queries max {max(counts)} (target <= 4) -> {'OK' if max(counts) <= 4 else 'TOO MANY'}"
        )


if __name__ == "__main__":
    main()
