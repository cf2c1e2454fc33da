"""Instructions per sizing of bench_api's distinct `/sizing/` workload in the engine alone,
counted by valgrind's callgrind (prints figures; not a test): the load-proof figure of
bench_engine_api_workload.py (Llama 2 70B on one node of H100 PCIe, 100 users, a new prompt
length every sizing, ``size()`` and its ``to_dict()``; the kept serving layouts and cluster
side warm, as in a running worker).

Each count runs in its own process under valgrind with `PYTHONHASHSEED=0` and address
randomisation off (`setarch -R`): 50 warm-up sizings, then `--base` or `--base + --runs`
sizings; per sizing = (Ir(base + runs) − Ir(base)) ÷ runs, so start-up and warm-up cancel out
(about a minute).

With ``--order scattered`` the prompt lengths are drawn at random (100-8,000 tokens, a fixed
seed) instead of counting up from 1,001: the kept serving state (a layout's rate and memory
misses at shorter prompts, docs/sizing-engine.md) then helps less, so the figure is closer to
what unrelated workloads cost.

    .venv/bin/python bench/bench_engine_api_workload_callgrind.py [--runs 200] [--base 20]
        [--order rising|scattered]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import callgrind  # noqa: E402

WARM = 50


def prompts(order: str, count: int) -> list[int]:
    """The prompt lengths of a run: 1,001, 1,002, ... or drawn at random (seed 16)."""
    if order == "rising":
        return [1001 + n for n in range(count)]
    draw = random.Random(16)
    return [draw.randint(100, 8000) for _ in range(count)]


def run(count: int, order: str) -> None:
    """The process under valgrind: the warm-up, then ``count`` sizings of new prompt lengths."""
    from bench_engine_api_workload import workload

    from apps.sizing.engine import size, snapshot_from_csv_dir

    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    for prompt in prompts(order, WARM + count):
        size(workload(prompt), catalog).to_dict()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="sizings counted")
    parser.add_argument("--base", type=int, default=20, help="sizings of the subtracted run")
    parser.add_argument("--order", choices=("rising", "scattered"), default="rising")
    parser.add_argument("--run", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run is not None:
        run(args.run, args.order)
        return 0
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    counts = []
    with tempfile.TemporaryDirectory(prefix="bench-engine-api-callgrind-") as tmp:
        for count in (args.base, args.base + args.runs):
            command = [
                sys.executable,
                str(Path(__file__).resolve()),
                *("--run", str(count), "--order", args.order),
            ]
            counts.append(callgrind.instructions(command, env, ROOT, Path(tmp) / f"{count}.out"))
    per = (counts[1] - counts[0]) / args.runs
    print(
        f"engine, distinct one-node inference ({args.order} prompts) "
        f"{per / 1e6:8.3f} M instructions per sizing"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
