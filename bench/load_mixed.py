"""Mixed traffic on the production stack for a fixed time at a fixed rate.

    .venv/bin/python bench/load_mixed.py [--seconds 300] [--scale 1.0 | --rate 50] [--per-kind 20]

Starts a private stack (bench/_stack.py: its own PostgreSQL 15 cluster and redis-server with
AOF on spare loopback ports; gunicorn with production's deploy/gunicorn.conf.py — sync
workers, 2 per core + 1; one Celery worker consuming the `celery` and `pdf` queues with its
pool at WORKER_NICE=10; production settings, API throttles raised so they do not shape the
load), then issues, at fixed rates (req/s, times --scale): wizard htmx partial updates 4,
API sizings 2, API quote creations 1, PDF requests (send a draft: its document is rendered by
the worker) 0.5. Prints p50/p99 per kind, errors (non-2xx), throughput, and whether every
requested document was produced exactly once.

`--rate R` (issue 16: 50 req/s for 60 s, p99 <= 200 ms, 0 errors) scales the wizard, API sizing
and quote creation rates together so that, with PDF requests kept at 0.5/s (each a WeasyPrint
render of ~1 s CPU on the one worker), all kinds add up to R req/s. It ends with a VERDICT line:
the p99 over every request, the error count, the requests answered per second and the load
average.

CPU, what costs what: first (`--per-kind N`, 0 to skip) each kind alone, one request at a time,
N of each (PDF requests: N/4, waiting for their documents), with the CPU time of every part of
the stack (web = gunicorn's processes, worker = Celery's, postgres, redis, and this process:
the load generator) per request, the stack's idle CPU subtracted; and what the mix needs at its
rates (sum of rate x CPU per request, in cores). Then the CPU each part spent during the mixed
run itself. On a shared machine compare these with the cores free (`uptime`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cpu import Meter  # noqa: E402
from _stack import Stack, machine, pct, summary_table  # noqa: E402
from _traffic import DEFAULT_RATES, Client, Traffic, wait_documents  # noqa: E402

GROUPS = ("web", "worker", "postgres", "redis", "load generator")


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def per_kind_cpu(stack: Stack, n: int) -> dict[str, dict[str, float]]:
    """CPU ms per request of each part of the stack, each kind alone (closed loop)."""
    warm = Traffic(stack)
    client = Client(stack.web_port)
    for _ in range(15):  # every web worker's per-process caches filled first (not measured)
        for kind in ("wizard", "api_sizing", "quote_create"):
            warm._do(client, kind, 0.0, time.monotonic())
    meter = Meter(stack.roots)
    meter.start()
    time.sleep(3)
    idle_s = 3.0
    idle = meter.stop()
    traffic = Traffic(stack)
    out: dict[str, dict[str, float]] = {}
    for kind in DEFAULT_RATES:
        count = max(1, n // 4) if kind == "pdf_request" else n
        before = len(traffic.sent)
        started = time.monotonic()
        meter.start()
        for _ in range(count):
            traffic._do(client, kind, 0.0, time.monotonic())
        if kind == "pdf_request":
            wait_documents(stack, traffic.sent[before:], timeout=300)
        spent = meter.stop()
        seconds = time.monotonic() - started
        out[kind] = {
            g: max(0.0, spent[g] - idle[g] * seconds / idle_s) * 1000 / count for g in GROUPS
        }
    client.close()
    bad = [s for s in traffic.samples if not 200 <= s.status < 300]
    if bad:
        print(f"  per-kind phase: {len(bad)} errors, first {bad[0]}")
    print(f"  stack idle: {', '.join(f'{g} {idle[g] / idle_s * 1000:.1f}' for g in GROUPS)} ms/s")
    return out


def print_per_kind(cpu: dict[str, dict[str, float]], rates: dict[str, float], n: int) -> float:
    """Print the per-kind table; returns the cores the mix needs at `rates`."""
    print(
        f"CPU per request, each kind alone ({n} each, PDF {max(1, n // 4)}; ms; {load()}):\n"
        f"| kind | {' | '.join(GROUPS)} | all | req/s in the mix | cores at that rate |\n"
        f"|---|{'---:|' * (len(GROUPS) + 3)}"
    )
    need = 0.0
    for kind, row in cpu.items():
        total = sum(row.values())
        cores = rates[kind] * total / 1000
        need += cores
        cells = " | ".join(f"{row[g]:.1f}" for g in GROUPS)
        print(f"| {kind} | {cells} | {total:.1f} | {rates[kind]:.2f} | {cores:.2f} |")
    by_group = {g: sum(rates[k] * cpu[k][g] for k in cpu) / 1000 for g in GROUPS}
    parts = ", ".join(f"{g} {v:.2f}" for g, v in by_group.items())
    print(f"the mix needs {need:.2f} cores of CPU ({parts}) of this machine's {os.cpu_count()}")
    return need


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=0.0, help="total req/s (see above)")
    parser.add_argument("--p99-ms", type=float, default=200.0, help="target p99 with --rate")
    parser.add_argument("--per-kind", type=int, default=20, help="requests per kind alone (CPU)")
    args = parser.parse_args()
    rates = {k: v * args.scale for k, v in DEFAULT_RATES.items()}
    if args.rate:
        pdf = DEFAULT_RATES["pdf_request"]
        others = sum(v for k, v in DEFAULT_RATES.items() if k != "pdf_request")
        factor = (args.rate - pdf) / others
        rates = {k: (v if k == "pdf_request" else v * factor) for k, v in DEFAULT_RATES.items()}
    print(machine())
    print(f"start: {load()}")
    stack = Stack.create()
    try:
        stack.start_web()
        stack.start_worker()
        need = None
        if args.per_kind:
            need = print_per_kind(per_kind_cpu(stack, args.per_kind), rates, args.per_kind)
        earlier = stack.documents()
        traffic = Traffic(stack, rates)
        print(
            f"rates (req/s): {{{', '.join(f'{k}: {v:.2f}' for k, v in rates.items())}}}; "
            f"{args.seconds:.0f} s"
        )
        meter = Meter(stack.roots)
        meter.start()
        elapsed = traffic.run(args.seconds)
        spent = meter.stop()
        load_after = load()
        time.sleep(2)  # the last requests' answers
        print(summary_table(traffic.by_kind(), elapsed))
        lags = [s.lag_ms for s in traffic.samples]
        print(
            f"load generator: {traffic.connections_opened} connections for "
            f"{len(traffic.samples)} requests; sent after due p50 {pct(lags, 50):.1f} ms, "
            f"p99 {pct(lags, 99):.1f} ms (latency counts from when a request was due)"
        )
        print(
            f"CPU during the run ({elapsed:.0f} s; s, cores): "
            + ", ".join(
                f"{g} {spent.get(g, 0):.1f} ({spent.get(g, 0) / elapsed:.2f})" for g in GROUPS
            )
            + f"; all {sum(spent.values()) / elapsed:.2f} cores of {os.cpu_count()}"
        )
        got = sum(spent.values()) / elapsed
        if need is not None and pct(lags, 50) > 100 and got < 0.9 * need:
            print(
                f"CPU-starved: the stack got {got:.2f} cores while requests queued, the mix "
                f"needs {need:.2f} (above): other processes held the machine ({load_after})"
            )
        elif pct(lags, 50) > 100:
            print(f"saturated: the stack used {got:.2f} of {os.cpu_count()} cores")
        docs = wait_documents(stack, traffic.sent, timeout=600, earlier=earlier)
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
        if args.rate:
            p99 = pct([x.ms for x in traffic.samples], 99)
            answered = len(traffic.samples) / elapsed  # elapsed: until the last answer
            met = p99 <= args.p99_ms and not errors
            print(
                f"VERDICT issue 16 mixed load: {args.rate:.0f} req/s offered for "
                f"{args.seconds:.0f} s, {answered:.1f} req/s answered; p99 of all requests "
                f"{p99:.1f} ms (target <= {args.p99_ms:.0f}); errors {len(errors)} (target 0); "
                f"{load_after} -> {'MET' if met else 'NOT MET'}"
            )
            ok = ok and met
        print("RESULT:", "OK" if ok else "NOT OK")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
