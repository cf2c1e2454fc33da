"""Where a sizing's CPU time goes, stage by stage (prints figures; not a test).

Run: python bench/bench_engine_stages.py [--runs N]

For the one-node, 512-node and 4,096-node cases of bench_engine.py, the CPU time of each stage
of ``api.size_one`` (the GPU plan: serving or training layout search; node; cluster: racks,
fabrics, placement, floor, layout; build-out: cables, designs, facility; BoM; summary and
explanations) and of ``to_dict``, each the median over the runs. The stages are timed by
wrapping the functions ``size_one`` calls through the ``api`` module (the engine is unchanged),
so the sum is the whole sizing minus the input parsing. Issue 16: 4,096 nodes <= 15x one node;
the cluster stages should grow linearly with the node count.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.sizing.engine import api, side, size, snapshot_from_csv_dir  # noqa: E402
from apps.sizing.engine.serving.replica import forget_kept  # noqa: E402
from bench.bench_engine import CASES  # noqa: E402

STAGES = {
    (api, "_gpu_plan"): "GPU plan (layout search)",
    (side, "plan_node"): "node",
    (side, "_plan_cluster"): "cluster (racks, fabrics, floor)",
    (side, "cluster_buildout"): "build-out (cables, designs)",
    (api, "storage"): "build-out (cables, designs)",
    (side, "build_bom"): "BoM",
    (side, "differences"): "conformance",
    (api, "with_plan"): "summary",
    (side, "fixed_summary"): "summary",
    (side, "_explain_cluster"): "explanations",
    (side, "_explain_buildout"): "explanations",
    (api, "explain_storage"): "explanations",
    (side, "_cluster_warnings"): "warnings",
}


def _fresh_sides(catalog: Any) -> None:
    """Forget the kept cluster sides (engine/side.py) so every run builds its own, as a
    sizing of a cluster not sized before does."""
    catalog.__dict__.pop("_cluster_sides", None)
    forget_kept()  # and the serving layouts' constants (engine/serving/replica.py)


def _timed(fn: Callable[..., Any], label: str, spent: dict[str, float]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        start = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.process_time() - start

    return run


def stages(data: dict[str, Any], runs: int) -> dict[str, float]:
    """Median CPU milliseconds of each stage over ``runs`` sizings (after one warm-up)."""
    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    spent: dict[str, float] = {}
    originals = {where: getattr(*where) for where in STAGES}
    for (module, name), fn in originals.items():
        setattr(module, name, _timed(fn, STAGES[module, name], spent))
    samples: dict[str, list[float]] = {}
    try:
        size(data, catalog).to_dict()
        for _ in range(runs):
            _fresh_sides(catalog)
            spent.clear()
            start = time.process_time()
            result = size(data, catalog)
            middle = time.process_time()
            result.to_dict()
            end = time.process_time()
            spent["to_dict"] = end - middle
            spent["total"] = end - start
            for label, seconds in spent.items():
                samples.setdefault(label, []).append(seconds * 1000)
    finally:
        for (module, name), fn in originals.items():
            setattr(module, name, fn)
    return {label: statistics.median(values) for label, values in samples.items()}


def main() -> None:
    """Print each stage's median per case, and the cluster-side share."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    names = ("one-node", "512-node", "4096-node")
    figures = {name: stages(CASES[name][0], args.runs) for name in names}
    labels = list(dict.fromkeys([*STAGES.values(), "to_dict", "total"]))
    print(
        f"{'stage (CPU ms, median of ' + str(args.runs) + ')':36s}"
        + "".join(f"{n:>12s}" for n in names)
    )
    for label in labels:
        print(f"{label:36s}" + "".join(f"{figures[n].get(label, 0.0):12.3f}" for n in names))
    one = figures["one-node"]["total"]
    big = figures["4096-node"]
    plan = big.get(STAGES[api, "_gpu_plan"], 0.0)
    rest = big["total"] - plan
    print(
        f"4096-node: total {big['total']:.2f} ms = {big['total'] / one:.1f}x one node; "
        f"GPU plan {plan:.2f} ms ({plan / one:.1f}x one node), everything else {rest:.2f} ms "
        f"({rest / one:.1f}x one node)"
    )


if __name__ == "__main__":
    main()
