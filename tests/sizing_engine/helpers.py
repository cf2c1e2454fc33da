"""Shared helpers for the engine tests."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

from apps.sizing.engine import snapshot_from_csv_dir

ROOT = Path(__file__).resolve().parents[2]
CATALOG = snapshot_from_csv_dir(ROOT / "fixtures" / "catalog")
TABLE5 = {"7S02001GWW", "7S090008WW", "7S06077MWW"}


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
