"""Shared helpers for the engine tests."""

from __future__ import annotations

import copy
import csv
from collections import Counter
from pathlib import Path
from typing import Any

from apps.sizing.engine import snapshot_from_csv_dir

ROOT = Path(__file__).resolve().parents[2]
CATALOG = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
TABLE5 = {"7S02001GWW", "7S090008WW", "7S06077MWW"}
# One node of H100 PCIe serving Llama 2 70B: the workload the kept-state tests (the cluster side,
# the serving constants) vary one input of at a time.
ONE_NODE_70B: dict[str, Any] = {
    "kind": "inference",
    "model": "llama-2-70b",
    "gpu": "h100-pcie-80gb",
    "nodes": 1,
    "inference": {"concurrent_users": 100, "prompt_tokens": 1000, "output_tokens": 300},
}


def one_node_70b(inference: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """``ONE_NODE_70B`` (a copy) with ``inference`` merged into its inference section and
    ``changes`` set at the top level."""
    w = copy.deepcopy(ONE_NODE_70B)
    w["inference"].update(inference or {})
    w.update(changes)
    return w


def seed_totals(stem: str) -> Counter[str]:
    """Seed table quantities aggregated by part number (all racks)."""
    totals: Counter[str] = Counter()
    with open(ROOT / "fixtures" / "seed_boms" / f"{stem}.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            totals[row["part_number"]] += int(row["quantity"])
    return totals


def bom_totals(result: dict[str, Any], exclude: set[str] | None = None) -> Counter[str]:
    """Engine BoM quantities aggregated by part number over sections."""
    totals: Counter[str] = Counter()
    for line in result["bom"]:
        if line["part_number"] not in (exclude or set()):
            totals[line["part_number"]] += line["quantity"]
    return totals


def capacity(gpu: str, nodes: int, **extra: Any) -> dict[str, Any]:
    """A capacity-mode inference request on a fixed cluster."""
    data: dict[str, Any] = {"kind": "inference", "model": "llama-2-70b", "gpu": gpu, "nodes": nodes}
    data.update(extra)
    return data
