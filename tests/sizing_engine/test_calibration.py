"""Calibration against published figures (sizing-model §9 and other public results).

The points, their sources and tolerances are data in `calibration.py`; `bench/calibration.py`
prints the table quoted in the README and docs/sizing-engine.md.
"""

from __future__ import annotations

import pytest

from apps.sizing.engine import size

from .calibration import POINTS, Point
from .calibration_heldout import HELD_OUT, HELD_OUT_6, HELD_OUT_7
from .calibration_training import TRAINING_POINTS
from .helpers import CATALOG


@pytest.mark.parametrize(
    "point", POINTS + TRAINING_POINTS + HELD_OUT + HELD_OUT_6 + HELD_OUT_7, ids=lambda p: p.name
)
def test_estimate_is_within_the_stated_tolerance(point: Point) -> None:
    low, high = point.tolerance
    assert low < point.error() < high, f"{point.name}: {point.error():+.1%}"


def test_qlora_65b_fits_one_48gb_gpu() -> None:
    # QLoRA paper (Dettmers et al. 2023): a 65B model fine-tunes on one 48 GB GPU.
    llama65 = {
        "name": "LLaMA 65B",
        "layers": 80,
        "hidden_size": 8192,
        "heads": 64,
        "kv_heads": 64,
        "ffn_size": 22016,
        "vocab_size": 32000,
        "params_b": 65.2,
        "context_length": 2048,
    }
    data = {
        "kind": "qlora",
        "custom_model": llama65,
        "gpu": "l40s-48gb",
        "nodes": 1,
        "gpus_per_node": 1,
        "training": {"tokens": 1e8, "sequence_length": 512},
    }
    result = size(data, CATALOG).to_dict()
    assert result["training"]["layout"]["gpus_used"] == 1
    assert result["memory"]["total_per_gpu_gb"] <= result["memory"]["usable_gb_per_gpu"]


def test_held_out_medians_meet_the_targets() -> None:
    """Median |error| over held-out training points (sessions 1-4 and the session-5 and
    session-6 and session-7 sets in calibration_heldout.py): <= 10 % dense, <= 20 % MoE."""
    import statistics

    checks = [p for p in TRAINING_POINTS + HELD_OUT + HELD_OUT_6 + HELD_OUT_7 if p.role == "check"]
    moe = [abs(p.error()) for p in checks if "MoE" in p.name]
    dense = [abs(p.error()) for p in checks if "MoE" not in p.name]
    assert statistics.median(dense) <= 0.10, dense
    assert statistics.median(moe) <= 0.20, moe
