"""Golden files: whole engine results, rewritten only with UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from apps.sizing.engine import size

from .helpers import CATALOG

GOLDEN = Path(__file__).parent / "golden"
CASES: dict[str, dict[str, Any]] = {
    "small_llama2_70b_capacity": {
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "h100-pcie-80gb",
        "nodes": 4,
    },
    "chat_llama31_8b_auto": {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "auto",
        "inference": {"concurrent_users": 500, "prompt_tokens": 800, "output_tokens": 300},
    },
    "pretrain_llama2_7b_30d": {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-nvl-94gb",
        "redundancy": "n+1",
        "training": {"tokens": 2e12, "target_days": 30},
    },
    "lora_mixtral_virtual": {
        "kind": "lora",
        "model": "mixtral-8x7b",
        "gpu": "l40s-48gb",
        "fabric": "ethernet",
        "deployment": "virtual",
        "training": {"tokens": 5e9, "target_days": 2},
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(name: str) -> None:
    result = json.loads(json.dumps(size(CASES[name], CATALOG).to_dict(), sort_keys=True))
    path = GOLDEN / f"{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not path.exists():
        if os.environ.get("UPDATE_GOLDEN") != "1":
            pytest.fail(f"{path.name} is missing; run with UPDATE_GOLDEN=1 to write it")
        path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    assert result == json.loads(path.read_text())
