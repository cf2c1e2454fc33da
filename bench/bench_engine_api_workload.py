"""CPU per sizing of the bench_api `/sizing/` workload, a new prompt length every sizing
(prints figures; not a test).

Run: python bench/bench_engine_api_workload.py [--runs N] [--profile]

Issue 16 asks `/sizing/` ≤ 1.3× `/me/` in bench/bench_api.py; its "distinct" requests size
Llama 2 70B on one node of H100 PCIe for 100 users with prompt_tokens 1001, 1002, … so the
engine runs every time. This bench times that engine call alone (``size()`` and its
``to_dict()``, ``time.thread_time``), each sizing with a prompt length not seen before, so no
per-workload memo helps. ``--profile`` prints the cProfile of the same sizings.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apps.sizing.engine import size, snapshot_from_csv_dir  # noqa: E402


def workload(prompt_tokens: int) -> dict[str, Any]:
    """bench_api's distinct `/sizing/` request body (its prompt length varies)."""
    return {
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "h100-pcie-80gb",
        "nodes": 1,
        "inference": {
            "concurrent_users": 100,
            "prompt_tokens": prompt_tokens,
            "output_tokens": 300,
        },
    }


def measure(runs: int, first: int) -> tuple[list[float], list[float]]:
    """CPU ms of ``size()`` and of ``size().to_dict()`` for ``runs`` new prompt lengths each."""
    catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
    size(workload(first - 1), catalog).to_dict()  # warm-up (imports, per-process tables)
    sized, whole = [], []
    for i in range(runs):
        start = time.thread_time()
        size(workload(first + i), catalog)
        sized.append((time.thread_time() - start) * 1e3)
    for i in range(runs):
        start = time.thread_time()
        size(workload(first + runs + i), catalog).to_dict()
        whole.append((time.thread_time() - start) * 1e3)
    return sized, whole


def _line(label: str, ms: list[float]) -> str:
    p95 = sorted(ms)[int(len(ms) * 0.95)]
    return (
        f"{label:28} median {statistics.median(ms):6.3f} ms  p95 {p95:6.3f} ms  "
        f"min {min(ms):6.3f} ms  (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    sized, whole = measure(args.runs, 1001)
    print("Llama 2 70B, 1 node of H100 PCIe, 100 users, prompt 1001.. tokens (distinct), CPU")
    print(_line("size()", sized))
    print(_line("size().to_dict()", whole))
    if args.profile:
        import cProfile
        import pstats

        catalog = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
        prof = cProfile.Profile()
        prof.enable()
        for i in range(300):
            size(workload(3101 + i), catalog)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
