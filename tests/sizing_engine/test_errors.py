"""Field-level errors for invalid and impossible workloads."""

from __future__ import annotations

from typing import Any

import pytest

from apps.sizing.engine import SizingInputError, size

from .helpers import CATALOG

BASE: dict[str, Any] = {
    "kind": "inference",
    "model": "llama-2-7b",
    "gpu": "h100-pcie-80gb",
    "inference": {"concurrent_users": 10},
}


def _fields(data: dict[str, Any]) -> set[str]:
    with pytest.raises(SizingInputError) as info:
        size(data, CATALOG)
    return set(info.value.field_errors)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"inference": {"concurrent_users": 0}}, "inference.concurrent_users"),
        ({"inference": {"concurrent_users": 5, "prompt_tokens": -3}}, "inference.prompt_tokens"),
        ({"model": "llama-9"}, "model"),
        ({"gpu": "h900"}, "gpu"),
        ({"kind": "dreaming"}, "kind"),
        ({"precision": "fp4"}, "precision"),
        ({"fabric": "token-ring"}, "fabric"),
        ({"assumptions": {"goodput": 0}}, "assumptions.goodput"),
        ({"assumptions": {"nonsense": 1}}, "assumptions.nonsense"),
        ({"surprise": 1}, "surprise"),
        ({"gpu": "h100-sxm5-80gb"}, "gpu"),
    ],
)
def test_invalid_fields(patch: dict[str, Any], field: str) -> None:
    assert field in _fields({**BASE, **patch})


def test_zero_day_deadline() -> None:
    data = {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-pcie-80gb",
        "training": {"tokens": 1e12, "target_days": 0},
    }
    assert "training.target_days" in _fields(data)


def test_negative_tokens() -> None:
    data = {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-pcie-80gb",
        "training": {"tokens": -5, "target_days": 3},
    }
    assert "training.tokens" in _fields(data)


def test_model_that_fits_no_gpu_even_at_int4() -> None:
    # 405B now fits L40S nodes at int4 (pipeline stages across nodes); a 4,000B model does not.
    huge = {
        "name": "Huge",
        "layers": 200,
        "hidden_size": 40960,
        "heads": 320,
        "kv_heads": 8,
        "ffn_size": 131072,
        "vocab_size": 128256,
        "params_b": 4000,
    }
    data = {
        **BASE,
        "custom_model": huge,
        "gpu": "l40s-48gb",
        "precision": "int4",
        "gpus_per_node": 2,
    }
    data.pop("model", None)
    with pytest.raises(SizingInputError) as info:
        size(data, CATALOG)
    message = info.value.field_errors["model"][0]
    assert "at int4" in message and "it may fit" not in message


def test_no_fit_message_never_suggests_the_chosen_precision() -> None:
    data = {**BASE, "model": "llama-3.1-405b", "gpu": "l40s-48gb", "precision": "fp8"}
    data["gpus_per_node"] = 1
    data["inference"] = {**BASE["inference"], "prompt_tokens": 100_000, "target_ttft_s": 600}
    with pytest.raises(SizingInputError) as info:
        size(data, CATALOG)
    for messages in info.value.field_errors.values():
        for message in messages:
            assert "at fp8 it may fit" not in message and "fp8 or" not in message


def test_auto_reports_every_gpu_when_nothing_fits() -> None:
    data = {**BASE, "model": "llama-3.1-405b", "gpu": "auto", "gpus_per_node": 1}
    assert "model" in _fields(data)


def test_warnings_for_l40s_pretraining_and_pcie_tp() -> None:
    data = {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "l40s-48gb",
        "training": {"tokens": 1e11, "target_days": 30},
    }
    warnings = size(data, CATALOG).to_dict()["warnings"]
    assert any("Low confidence" in w for w in warnings)
    big = {**BASE, "model": "llama-2-70b", "inference": {"concurrent_users": 50}}
    assert any(
        "crosses PCIe" in w
        for w in size({**big, "gpu": "l40s-48gb"}, CATALOG).to_dict()["warnings"]
    )
