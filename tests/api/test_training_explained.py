"""A training plan explained the same through every door: the API's `training` object carries
the layout (TP/CP/PP/EP/DP, ZeRO, recompute, micro-batch), the step-time breakdown, MFU, the
runners-up and what binds, every key declared in the API schema; the wizard page shows those
same figures with their rule and source (through apps/sizing/training_view.py)."""

from __future__ import annotations

import re

from django.test import Client

from apps.api.serializers.engine import (
    STEP_KEYS,
    TrainingLayoutSerializer,
    TrainingResultSerializer,
)
from apps.sizing.training_view import training_panel
from apps.sizing.wizard.codec import query_from_workload

WORKLOAD = {
    "kind": "pretraining",
    "model": "llama-2-70b",
    "gpu": "h100-nvl-94gb",
    "fabric": "infiniband",
    "training": {"tokens": 2e12, "target_days": 60},
}


def _sized(alice) -> dict:
    response = alice.client.post("/api/v1/sizing/", WORKLOAD)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_api_training_object_has_every_declared_key(alice):
    training = _sized(alice)["training"]
    assert set(training) == set(TrainingResultSerializer().fields)
    assert set(training["layout"]) == set(TrainingLayoutSerializer().fields)
    assert set(training["step_time"]) == set(STEP_KEYS)
    parts = sum(v for k, v in training["step_time"].items() if k != "step_s")
    assert abs(parts - training["step_time"]["step_s"]) < 1e-3
    layout = training["layout"]
    assert layout["gpus_used"] == layout["tp"] * layout["cp"] * layout["pp"] * layout["dp"]
    assert 0.05 < training["mfu"] < 0.8
    assert training["binding_constraint"]
    for candidate in training["runners_up"]:
        assert candidate["step_s"] >= training["step_time"]["step_s"] - 1e-3
        assert set(candidate["step_time"]) == set(STEP_KEYS)


def test_the_wizard_shows_the_api_figures_with_rule_and_source(alice):
    body = _sized(alice)
    panel = training_panel(body)
    assert panel is not None
    client = Client()
    client.force_login(alice.user)
    html = client.get("/sizing/?" + query_from_workload(WORKLOAD)).content.decode()
    section = re.search(r'<section class="panel training-plan".*?</section>', html, re.S)
    assert section, "the training plan panel is on the result page"
    text = section.group(0)
    training = body["training"]
    assert f"Training plan: {training['layout']['label']}" in text
    assert f"MFU {training['mfu']:.1%}" in text
    assert f"{panel['step_total']} s per optimizer step" in text
    assert f"{panel['memory_total']} of {panel['memory_usable']} GB usable" in text
    for row in panel["step"]:  # every part of the step with its seconds
        assert row["label"] in text and row["seconds"] in text
    for label in ("Tensor parallel (TP)", "Pipeline parallel (PP)", "Data parallel (DP)"):
        assert label in text
    for runner in training["runners_up"]:
        assert runner["layout"] in text
    assert text.count("Source:") >= 4  # layout, step time, MFU and memory each cite theirs


def test_inference_results_have_no_training_panel(alice):
    body = alice.client.post(
        "/api/v1/sizing/",
        {"kind": "inference", "model": "llama-2-7b", "inference": {"concurrent_users": 10}},
    ).json()
    assert training_panel(body) is None
