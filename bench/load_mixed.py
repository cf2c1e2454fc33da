"""Mixed traffic on the production stack for a fixed time at a fixed rate.

    .venv/bin/python bench/load_mixed.py [--seconds 300] [--scale 1.0]

Starts a private stack (bench/_stack.py: its own PostgreSQL 15 cluster and redis-server with
AOF on spare loopback ports, gunicorn with 2 workers and one Celery worker consuming the
`celery` and `pdf` queues, production settings, API throttles raised so they do not shape the
load), then issues, at fixed rates (req/s, times --scale): wizard htmx partial updates 4,
API sizings 2, API quote creations 1, PDF requests (send a draft: its document is rendered by
the worker) 0.5. Prints p50/p99 per kind, errors (non-2xx), throughput, and whether every
requested document was produced exactly once.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, machine, summary_table  # noqa: E402
from _traffic import DEFAULT_RATES, Traffic, wait_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    print(machine())
    stack = Stack.create()
    try:
        stack.start_web()
        stack.start_worker()
        traffic = Traffic(stack, {k: v * args.scale for k, v in DEFAULT_RATES.items()})
        print(f"rates (req/s): {traffic.rates}; {args.seconds:.0f} s")
        elapsed = traffic.run(args.seconds)
        time.sleep(2)  # the last requests' answers
        print(summary_table(traffic.by_kind(), elapsed))
        docs = wait_documents(stack, traffic.sent, timeout=600)
        print(f"documents: {docs}")
        errors = [s for s in traffic.samples if not 200 <= s.status < 300]
        for s in errors[:10]:
            print(f"  error t={s.t:.1f}s {s.kind} {s.status} {s.detail[:200]}")
        ok = (
            not errors
            and docs["statuses"] == {"ready": len(traffic.sent)}
            and docs["pdf_files"] == len(traffic.sent)
            and not docs["checksum_mismatches"]
        )
        print("RESULT:", "OK" if ok else "NOT OK")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
