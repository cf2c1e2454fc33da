"""Benchmark: render the reference-architecture PDF of the seed's Large configuration (16 nodes).

    .venv/bin/python bench/bench_pdf.py [--runs 7]

Builds a throwaway test database (SQLite in memory unless DATABASE_URL says otherwise), imports
the catalog, sizes the Large workload through the gateway, prices it with the SAMPLE-USD book
and renders its document `--runs` times after one warm-up render. Prints each run, the median
and the peak memory: the process's peak resident set (what a worker needs) and the peak Python
heap of one render (tracemalloc, measured in a separate run since tracing slows rendering).
Target on the project's 2-core machine: median under 3 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")


def _setup():  # type: ignore[no-untyped-def]
    import django

    django.setup()
    from django.db import connection

    original_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, keepdb=False)
    return connection, original_name


def _large_quote():  # type: ignore[no-untyped-def]
    import io
    from contextlib import redirect_stdout

    from tests.quotes import factories

    with redirect_stdout(io.StringIO()):
        factories.load_catalog()
    user = factories.make_user(factories.make_org("seller"))
    scenario = factories.make_scenario(user, factories.LARGE_WORKLOAD, name="Large (16 nodes)")
    return factories.make_quote(user, scenario=scenario)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    connection, original_name = _setup()
    try:
        from apps.quotes import pdf

        quote = _large_quote()
        rss_before = _rss_mb()
        warm = pdf.render_quote(quote)
        print(
            f"Large configuration: {quote.sizing_result['node_count']} nodes, "
            f"{quote.sizing_result['gpu_count']} GPUs, {quote.lines.count()} BoM lines, "
            f"{warm.pages} pages, {len(warm.data) / 1024:.0f} KiB"
        )
        times, cpu_times = [], []
        for i in range(1, args.runs + 1):
            started, cpu_started = time.perf_counter(), time.process_time()
            pdf.render_quote(quote)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - cpu_started)
            print(f"  run {i}: {times[-1]:.3f} s (CPU {cpu_times[-1]:.3f} s)")
        tracemalloc.start()
        pdf.render_quote(quote)
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        median = statistics.median(times)
        verdict = "OK" if median < 3 else "MISSED"
        print(
            f"median {median:.3f} s (min {min(times):.3f} s, max {max(times):.3f} s, "
            f"median CPU {statistics.median(cpu_times):.3f} s, {args.runs} runs); "
            f"target < 3 s: {verdict}"
        )
        print(
            f"peak memory: process RSS {_rss_mb():.0f} MB (before rendering "
            f"{rss_before:.0f} MB); Python heap during one render {heap_peak / 2**20:.0f} MB"
        )
        print(f"load average while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)


if __name__ == "__main__":
    main()
