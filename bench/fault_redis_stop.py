"""Redis stopped during mixed traffic: pages and the API keep answering; PDF requests are
recorded and their documents produced once Redis is back.

    .venv/bin/python bench/fault_redis_stop.py [--seconds 120] [--down-at 30] [--down-for 40]

The bench's own redis-server (AOF on; never the shared one) gets SIGTERM at --down-at s and
starts again (same port and directory) --down-for s later, while bench/_traffic.py's traffic
runs. Afterwards: answers by phase and status, PDF jobs recorded during the outage (queued,
never handed to the broker), then the sweeper (`manage.py quotes_sweep`, what beat runs every
5 minutes) sends them and every requested document is checked: produced exactly once.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _checks import consistency  # noqa: E402
from _stack import Stack, machine, summary_table  # noqa: E402
from _traffic import Traffic, outage, phase_of, run_during, wait_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--down-at", type=float, default=30)
    parser.add_argument("--down-for", type=float, default=40)
    args = parser.parse_args()
    print(machine())
    stack = Stack.create()
    marks: dict[str, float] = {}
    unsent_during: list[str] = []
    try:
        stack.start_web()
        stack.start_worker()
        traffic = Traffic(stack)

        def count_unsent() -> None:
            unsent_during.append(
                stack.sql(
                    "SELECT count(*) FROM quotes_pdfjob WHERE status = 'queued' "
                    "AND enqueued_at IS NULL"
                )
            )

        fault = outage(
            marks,
            args.down_at,
            args.down_for,
            stack.redis.stop,
            stack.redis.start,
            before_start=count_unsent,
        )
        elapsed = run_during(traffic, args.seconds, fault)
        print(
            f"rates (req/s): {traffic.rates}; {args.seconds:.0f} s; Redis stopped at "
            f"{marks['stop']:.1f} s, back at {marks['started']:.1f} s"
        )
        print(summary_table(traffic.by_kind(), elapsed))
        phases: dict[str, dict[str, collections.Counter[int]]] = collections.defaultdict(
            lambda: collections.defaultdict(collections.Counter)
        )
        lat: dict[str, list[float]] = collections.defaultdict(list)
        for s in traffic.samples:
            when = phase_of(s.t, marks)
            phases[when][s.kind][s.status] += 1
            if when == "outage":
                lat[s.kind].append(s.ms)
        for phase in ("before", "outage", "after"):
            print(f"{phase}: " + "; ".join(f"{k} {dict(v)}" for k, v in phases[phase].items()))
        print(
            "outage latency p50 ms: "
            + ", ".join(f"{k} {sorted(v)[len(v) // 2]:.1f}" for k, v in lat.items() if v)
        )
        print(
            f"PDF jobs queued but never handed to the broker, just before Redis came back: "
            f"{unsent_during[0] if unsent_during else '?'}"
        )
        time.sleep(5)
        print("sweeper:", stack.manage("quotes_sweep", "--no-expire").strip())
        print(f"documents: {wait_documents(stack, traffic.sent, timeout=300)}")
        print(f"consistency: {consistency(stack)}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
