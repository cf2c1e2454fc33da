"""The serving plan (layout, KV cache, prefill, decode, targets) on the result page, the
scenario page and the PDF reads the engine's result: every figure shown is the result's, and
every serving explanation the API lists (``inference.explained``) has rule, inputs and source."""

from __future__ import annotations

import re

from django.urls import reverse

from apps.sizing import formatting as fmt
from apps.sizing.engine import size
from apps.sizing.serving_view import serving_panel
from tests.sizing_engine.helpers import CATALOG

from .conftest import HTMX_RESULT

MOE = {
    "kind": "inference",
    "model": "qwen3-235b-a22b",
    "gpu": "h100-nvl-94gb",
    "precision": "fp8",
    "inference": {"concurrent_users": 200, "prompt_tokens": 2000, "output_tokens": 500},
}


def test_every_serving_explanation_has_rule_inputs_and_source() -> None:
    result = size(MOE, CATALOG).to_dict()
    explained = result["inference"]["explained"]
    by_figure = {e["figure"]: e for e in result["explanations"]}
    assert {"inference.layout", "memory.kv_cache_gb", "inference.prefill_ms"} <= set(explained)
    assert {"inference.decode_step_ms", "inference.ttft_s", "inference.tpot_ms"} <= set(explained)
    for key in explained:
        item = by_figure[key]
        assert item["rule"] and item["source"] and item["inputs"], key
    tpot = by_figure["inference.tpot_ms"]
    assert tpot["inputs"]["target_tpot_ms"] == result["inference"]["targets"]["tpot_ms"]
    assert (
        result["inference"]["tpot_ms"]
        == round(1000 / result["inference"]["tokens_per_s_per_user"], 0)
        or abs(result["inference"]["tpot_ms"] * result["inference"]["tokens_per_s_per_user"] - 1000)
        < 1
    )


def test_the_panel_shows_the_results_own_figures() -> None:
    result = size(MOE, CATALOG).to_dict()
    inference, memory = result["inference"], result["memory"]
    plan = serving_panel(result)
    assert plan is not None
    assert plan["label"] == inference["layout"]["label"]
    assert plan["replicas"] == fmt.number(inference["replicas"])
    rows = {r["label"]: r["value"] for r in plan["layout"]}
    assert rows["Tensor parallel (TP)"] == fmt.number(inference["tensor_parallel"])
    assert rows["Pipeline parallel (PP)"] == fmt.number(inference["pipeline_parallel"])
    gb = {r["label"]: r["gb"] for r in plan["memory"]}
    assert gb["KV cache of the running sequences"] == fmt.number(memory["kv_cache_per_gpu_gb"])
    assert plan["memory_total"] == fmt.number(memory["total_per_gpu_gb"])
    assert plan["prefill_total"] == fmt.number(inference["prefill"]["total_ms"])
    assert plan["decode_total"] == fmt.number(inference["decode_step"]["step_ms"])
    assert plan["ttft"]["value"] == fmt.number(inference["ttft_s"])
    assert plan["tpot"]["target"] == fmt.number(inference["targets"]["tpot_ms"])
    assert plan["ttft"]["met"] in ("met", "missed") and plan["tpot"]["met"] in ("met", "missed")
    assert plan["kv_why"]["inputs"] and plan["decode_why"]["source"]


def test_a_training_result_has_no_serving_plan() -> None:
    training = {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-nvl-94gb",
        "training": {"tokens": 2e11, "target_days": 30},
    }
    assert serving_panel(size(training, CATALOG).to_dict()) is None


def test_the_result_page_shows_the_serving_plan(client_p1) -> None:
    query = {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "l40s-48gb",
        "users": "50",
        "fabric": "infiniband",
    }
    html = client_p1.get(reverse("sizing:wizard"), query, headers=HTMX_RESULT).content.decode()
    start = html.index('id="serving-plan"')
    section = html[start : html.index("</section>", start)]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    for heading in (
        "Parallel layout of one replica",
        "Memory per GPU",
        "Prefill of one prompt",
        "Decode step",
        "Time to first token (s)",
        "Time per output token (ms)",
        "Source:",
    ):
        assert heading in text, heading
    assert "kv_cache" not in text and "tpot" not in text  # words, not engine keys
