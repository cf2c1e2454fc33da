"""PostgreSQL restarted during mixed traffic: requests fail cleanly (503 + Retry-After, never a
500), the portal recovers by itself, no quote is half-written.

    .venv/bin/python bench/fault_postgres_restart.py [--seconds 120] [--down-at 40] [--down-for 10]

The bench's own PostgreSQL cluster (never the shared one) is stopped (`pg_ctl stop -m fast`,
which ends every connection) at --down-at s and started again --down-for s later, while
bench/_traffic.py's mixed traffic runs. Afterwards: answers by phase and status, the time from
the restart to the first success and the errors after it, consistency of every quote
(bench/_checks.py), every 201'd quote present, every requested document produced (jobs that
lost their message to the outage are recovered by the sweeper, `manage.py quotes_sweep`).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _checks import consistency, quotes_exist  # noqa: E402
from _stack import Stack, machine, summary_table  # noqa: E402
from _traffic import Traffic, outage, phase_of, run_during, wait_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--down-at", type=float, default=40)
    parser.add_argument("--down-for", type=float, default=10)
    args = parser.parse_args()
    print(machine())
    stack = Stack.create()
    marks: dict[str, float] = {}
    try:
        stack.start_web()
        stack.start_worker()
        traffic = Traffic(stack)

        fault = outage(
            marks, args.down_at, args.down_for, lambda: stack.pg.stop("fast"), stack.pg.start
        )
        elapsed = run_during(traffic, args.seconds, fault)
        print(
            f"rates (req/s): {traffic.rates}; {args.seconds:.0f} s; PostgreSQL stopped at "
            f"{marks['stop']:.1f} s, start at {marks['start']:.1f} s, "
            f"accepting at {marks['started']:.1f} s"
        )
        print(summary_table(traffic.by_kind(), elapsed))
        phases: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
        for s in traffic.samples:
            phases[phase_of(s.t, marks)][s.status] += 1
        for phase in ("before", "outage", "after"):
            print(f"{phase}: statuses {dict(sorted(phases[phase].items()))}")
        after = sorted((s for s in traffic.samples if s.t >= marks["started"]), key=lambda s: s.t)
        first_ok = next((s.t for s in after if 200 <= s.status < 300), None)
        errors_after = [s for s in after if not 200 <= s.status < 300]
        last_err = max((s.t for s in errors_after), default=None)
        print(
            f"first 2xx after PostgreSQL accepted connections: "
            f"{(first_ok - marks['started']) if first_ok is not None else float('nan'):.2f} s; "
            f"non-2xx after it: {len(errors_after)}"
            + (f" (last at +{last_err - marks['started']:.2f} s)" if last_err else "")
        )
        five_hundreds = [s for s in traffic.samples if s.status >= 500 and s.status != 503]
        no_retry = [
            s for s in traffic.samples if s.status == 503 and "retry-after=5" not in s.detail
        ]
        print(
            f"500-class answers other than 503: {len(five_hundreds)}; "
            f"503 without Retry-After: {len(no_retry)}"
        )
        for s in five_hundreds[:5]:
            print(f"  t={s.t:.1f}s {s.kind} {s.status} {s.detail[:300]}")
        print(f"consistency: {consistency(stack)}")
        print(
            f"quotes answered 201: {len(traffic.created)}, in the database: "
            f"{quotes_exist(stack, traffic.created)}"
        )
        time.sleep(20)
        print(
            "sweeper:",
            stack.manage(
                "quotes_sweep", "--queued-seconds", "15", "--rendering-seconds", "60", "--no-expire"
            ).strip(),
        )
        print(f"documents: {wait_documents(stack, traffic.sent, timeout=300)}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
