"""Instructions per sizing of bench_engine.py's two training cases (issue 11), counted by
valgrind's callgrind: a figure the box's load and speed do not move, unlike bench_engine.py's
CPU times (prints figures; not a test).

`training auto` is bench_engine's "training auto (GPUs x fabrics)" case, sized as
`bench_engine.measure` does (the kept cluster sides and serving constants forgotten before
each sizing); `training plan` is its "training plan 4096 x 8 H100" case, run as
`bench_engine.measure_plan` does (a fresh setup each time). Each count runs in its own process
under valgrind with `PYTHONHASHSEED=0` and address randomisation off (`setarch -R`), one warm-up
first; per sizing = (Ir(base + runs) − Ir(base)) ÷ runs, so start-up and warm-up cancel out.
Each case takes a minute or two.

    .venv/bin/python bench/bench_engine_callgrind.py [--cases plan auto] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import callgrind  # noqa: E402

CASES = ("plan", "auto")


def sizing(case: str) -> Callable[[], None]:
    """One sizing of the case, as bench_engine.py times it."""
    import bench_engine

    from apps.sizing.engine import size, snapshot_from_csv_dir, workplan
    from apps.sizing.engine.explain import Explainer
    from apps.sizing.engine.serving.replica import forget_kept
    from apps.sizing.engine.workload import parse_workload

    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    if case == "auto":
        data = bench_engine.CASES["training auto (GPUs x fabrics)"][0]

        def auto() -> None:
            catalog.__dict__.pop("_cluster_sides", None)
            forget_kept()
            size(data, catalog).to_dict()

        return auto
    data = bench_engine.PLAN_CASES["training plan 4096 x 8 H100"][0]
    w = parse_workload(data)
    model, gpu = catalog.models[data["model"]], catalog.gpus[data["gpu"]]

    def plan() -> None:
        st = workplan.training_setup(w, model, gpu, 8)
        workplan.training_figures(st, data["nodes"] * 8, 8, Explainer(), "nodes")

    return plan


def instructions(case: str, count: int, out: Path | None) -> int:
    """Ir of one process making a warm-up and `count` sizings; without `out`, the process
    runs without valgrind (to write the modules' bytecode first: a process that compiles them
    counts the compiler too)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--run", case, str(count)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if out is not None:
        return callgrind.instructions(command, env, ROOT, out)
    subprocess.run(
        command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--runs", type=int, default=10, help="sizings counted per case")
    parser.add_argument("--base", type=int, default=1, help="sizings of the subtracted run")
    parser.add_argument("--run", nargs=2, metavar=("CASE", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:  # the process under valgrind
        once = sizing(args.run[0])
        for _ in range(1 + int(args.run[1])):
            once()
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-engine-callgrind-") as tmp:
        for case in args.cases:
            instructions(case, 0, None)
            low = instructions(case, args.base, Path(tmp) / f"{case}.low")
            high = instructions(case, args.base + args.runs, Path(tmp) / f"{case}.high")
            print(
                f"training {case:5} {(high - low) / args.runs / 1e6:8.2f} M instructions per sizing"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
