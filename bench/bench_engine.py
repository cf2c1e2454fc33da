"""Benchmark the sizing engine: median and p95 time per sizing (prints figures; not a test).

Run: python bench/bench_engine.py
Targets (2-core box): one-node < 5 ms, 512-node < 50 ms, auto over all GPUs and fabrics < 100 ms,
and 4,096 nodes <= 15x the one-node sizing measured in the same run (issue 16). Training
(issue 11): an automatic training sizing over every GPU and fabric (size mode: each candidate
searches node counts and layouts) <= 20 ms, and the training plan of 4,096 nodes of one GPU
(setup, layout search, report; the cluster build-out is the 4096-node case above) <= 10 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.sizing.engine import size, snapshot_from_csv_dir, workplan  # noqa: E402
from apps.sizing.engine.explain import Explainer  # noqa: E402
from apps.sizing.engine.serving.replica import forget_kept  # noqa: E402
from apps.sizing.engine.workload import parse_workload  # noqa: E402

CASES: dict[str, tuple[dict[str, Any], float, int]] = {
    "one-node": (
        {"kind": "inference", "model": "llama-2-70b", "gpu": "h100-pcie-80gb", "nodes": 1},
        5.0,
        300,
    ),
    "512-node": (
        {
            "kind": "pretraining",
            "model": "llama-2-70b",
            "gpu": "h100-pcie-80gb",
            "nodes": 512,
            "training": {"tokens": 2e12},
        },
        50.0,
        100,
    ),
    "4096-node": (
        {
            "kind": "pretraining",
            "model": "llama-3.1-405b",
            "gpu": "h100-pcie-80gb",
            "nodes": 4096,
            "training": {"tokens": 15e12},
        },
        75.0,
        30,
    ),
    "auto (3 GPUs x 2 fabrics)": (
        {
            "kind": "inference",
            "model": "llama-2-70b",
            "gpu": "auto",
            "inference": {"concurrent_users": 200},
        },
        100.0,
        50,
    ),
    "training auto (GPUs x fabrics)": (
        {
            "kind": "pretraining",
            "model": "llama-2-70b",
            "gpu": "auto",
            "fabric": "auto",
            "training": {"tokens": 2e12, "target_days": 30},
        },
        20.0,
        40,
    ),
}

# training plan only (engine/training via workplan): setup, layout search and report
PLAN_CASES: dict[str, tuple[dict[str, Any], float, int]] = {
    "training plan 4096 x 8 H100": (
        {
            "kind": "pretraining",
            "model": "llama-3.1-405b",
            "gpu": "h100-sxm5-80gb",
            "nodes": 4096,
            "training": {"tokens": 15e12, "sequence_length": 8192},
        },
        10.0,
        50,
    ),
}


def measure(data: dict[str, Any], runs: int) -> list[float]:
    """CPU milliseconds per sizing over ``runs`` runs (after one warm-up), each of a cluster
    not kept from an earlier run: process CPU time, so that other processes on a shared
    machine do not skew the ratios."""
    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    size(data, catalog).to_dict()
    times = []
    for _ in range(runs):
        # A cluster not sized before: the kept cluster sides (engine/side.py) would otherwise
        # answer every run after the first from memory.
        catalog.__dict__.pop("_cluster_sides", None)
        forget_kept()  # and the serving layouts' constants (engine/serving/replica.py)
        start = time.process_time()
        size(data, catalog).to_dict()
        times.append((time.process_time() - start) * 1000)
    return times


def measure_plan(data: dict[str, Any], runs: int) -> list[float]:
    """CPU milliseconds of the training plan alone (a fresh setup each run, so no cache
    of an earlier run helps) on the workload's node count."""
    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    w = parse_workload(data)
    model, gpu = catalog.models[data["model"]], catalog.gpus[data["gpu"]]
    gpn, gpus = 8, data["nodes"] * 8

    def plan() -> None:
        st = workplan.training_setup(w, model, gpu, gpn)
        workplan.training_figures(st, gpus, gpn, Explainer(), "nodes")

    plan()
    times = []
    for _ in range(runs):
        start = time.process_time()
        plan()
        times.append((time.process_time() - start) * 1000)
    return times


def main() -> None:
    """Print median and p95 per case against its target."""
    medians: dict[str, float] = {}
    cases = [(n, c, measure) for n, c in CASES.items()]
    cases += [(n, c, measure_plan) for n, c in PLAN_CASES.items()]
    for name, (data, target, runs), how in cases:
        times = sorted(how(data, runs))
        median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        medians[name] = median
        verdict = "OK" if median < target else "SLOW"
        print(
            f"{name:30s} median {median:7.2f} ms  p95 {p95:7.2f} ms  "
            f"target < {target:g} ms  {verdict}"
        )
    ratio = medians["4096-node"] / medians["one-node"]
    verdict = "OK" if ratio <= 15 else "SLOW"
    print(f"{'4096-node / one-node':30s} ratio {ratio:6.1f}x  target <= 15x  {verdict}")
    ratio = medians["training auto (GPUs x fabrics)"] / medians["auto (3 GPUs x 2 fabrics)"]
    print(f"{'training auto / inference auto':30s} ratio {ratio:6.1f}x")


if __name__ == "__main__":
    main()
