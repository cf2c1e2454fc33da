"""A Celery worker killed (SIGKILL) during PDF renders under load: every requested document
is eventually produced exactly once.

    .venv/bin/python bench/fault_worker_kill.py [--seconds 120] [--kills 8]

Heavier PDF traffic (quote creations 1.5/s, PDF requests 1/s, plus wizard 2/s and API sizings
1/s). --kills times, spread over the run, as soon as a job is `rendering`: SIGKILL the worker's
pool child (the process rendering; the task is rejected and requeued at once) or, every other
time, the whole worker (main process and child; its message comes back only after the broker's
visibility timeout, so the sweeper requeues the job), then start a new worker. Afterwards
the sweeper runs once and every requested document is checked: one job per quote, one file
per revision, checksums matching, attempts per job.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stack import Stack, machine, summary_table  # noqa: E402
from _traffic import Traffic, run_during, wait_documents  # noqa: E402

RATES = {"wizard": 2.0, "api_sizing": 1.0, "quote_create": 1.5, "pdf_request": 1.0}


def children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--kills", type=int, default=8)
    args = parser.parse_args()
    print(machine())
    stack = Stack.create()
    kills: list[str] = []
    try:
        stack.start_web()
        stack.start_worker()
        traffic = Traffic(stack, dict(RATES))

        def killer() -> None:
            t0 = time.monotonic()
            for i in range(args.kills):
                target = 10 + i * (args.seconds - 20) / args.kills
                time.sleep(max(0, t0 + target - time.monotonic()))
                deadline = time.monotonic() + 8
                while (
                    time.monotonic() < deadline
                    and stack.sql("SELECT count(*) FROM quotes_pdfjob WHERE status = 'rendering'")
                    == "0"
                ):
                    time.sleep(0.05)
                rendering = stack.sql(
                    "SELECT string_agg(id::text, ',') FROM quotes_pdfjob WHERE status = 'rendering'"
                )
                worker = stack.procs["worker"]
                if i % 2 == 0:
                    for child in children(worker.pid):
                        os.kill(child, signal.SIGKILL)
                    kills.append(
                        f"t={time.monotonic() - t0:.1f}s pool child "
                        f"(rendering jobs: {rendering or 'none'})"
                    )
                else:
                    for child in children(worker.pid):
                        os.kill(child, signal.SIGKILL)
                    stack.stop_proc("worker", signal.SIGKILL)
                    kills.append(
                        f"t={time.monotonic() - t0:.1f}s whole worker "
                        f"(rendering jobs: {rendering or 'none'})"
                    )
                    stack.start_worker()

        elapsed = run_during(traffic, args.seconds, killer)
        print(f"rates (req/s): {traffic.rates}; {args.seconds:.0f} s")
        print(summary_table(traffic.by_kind(), elapsed))
        print("kills:\n  " + "\n  ".join(kills))
        time.sleep(10)
        print(
            "jobs before the sweep:",
            stack.sql(
                "SELECT string_agg(status || '=' || n, ', ') FROM (SELECT status, count(*) n "
                "FROM quotes_pdfjob GROUP BY status) s"
            ),
        )
        # Jobs whose worker died with them stay `rendering` until the sweeper requeues them
        # (in production after QUOTES_PDF_STALE_RENDERING_SECONDS = 420 s; here after 20 s).
        print(
            "sweeper:",
            stack.manage(
                "quotes_sweep", "--queued-seconds", "20", "--rendering-seconds", "20", "--no-expire"
            ).strip(),
        )
        print(f"documents: {wait_documents(stack, traffic.sent, timeout=300)}")
        print(
            "renders per document (attempts):",
            stack.sql(
                "SELECT string_agg(attempts || ' attempt(s): ' || n, ', ') FROM (SELECT attempts, "
                "count(*) n FROM quotes_pdfjob GROUP BY attempts ORDER BY attempts) s"
            ),
        )
    finally:
        stack.close()


if __name__ == "__main__":
    main()
