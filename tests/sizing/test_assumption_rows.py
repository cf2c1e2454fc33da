"""A result's table of assumptions (why panel, PDF) lists the assumptions its kind's model
reads (their `kinds=` in the specification), plus any the user overrode; every result still
echoes them all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.sizing import formatting
from apps.sizing.engine import spec

GOLDEN = Path(__file__).resolve().parent.parent / "sizing_engine" / "golden"


def _result(name: str) -> dict:
    return json.loads((GOLDEN / name).read_text())


@pytest.mark.parametrize(
    ("golden", "kind"),
    [("chat_llama31_8b_auto.json", "inference"), ("pretrain_llama2_7b_30d.json", "pretraining")],
)
def test_a_result_lists_the_assumptions_its_model_reads(golden: str, kind: str) -> None:
    result = _result(golden)
    assert result["kind"] == kind
    shown = {row["name"] for row in formatting.assumption_rows(result)}
    read = {i.key for i in spec.ASSUMPTIONS if kind in i.kinds}
    assert shown == read & set(result["assumptions"])
    assert set(result["assumptions"]) > shown  # the others are still echoed
    if kind == "inference":
        assert {"eff_mem", "prefill_chunk_tokens"} <= shown
        assert not {"goodput", "qlora_bytes_per_param", "moe_gemm_efficiency"} & shown
    else:
        assert {"goodput", "global_batch_tokens"} <= shown
        assert not {"eff_mem", "qlora_bytes_per_param"} & shown
    assert {"rack_units_per_rack", "nvlink_efficiency"} <= shown  # read by every kind


def test_an_override_is_listed_even_where_its_model_does_not_read_it() -> None:
    result = _result("chat_llama31_8b_auto.json")
    result["assumptions"]["goodput"] = 0.5
    result["assumption_overrides"] = ["goodput"]
    [row] = [r for r in formatting.assumption_rows(result) if r["name"] == "goodput"]
    assert row["overridden"] and row["source"] == "your input"
