"""The training plan on the result page, driven in Chromium as a user does it: pick a
pre-training run, see the chosen layout, the step-time breakdown, MFU and memory per GPU,
each with its rule and source, and the same figures the wizard's JSON door (the API's answer)
gives for the page's own workload."""

from __future__ import annotations

import pytest

from apps.sizing.training_view import training_panel

from .a11y import axe_violations, duplicate_ids, layout_problems
from .conftest import Shots, log_in_by_cookie, settle
from .test_wizard_journey import status, wait_status_change

pytestmark = pytest.mark.browser


def test_the_training_plan_explains_layout_step_time_mfu_and_memory(tab, live_server, portal_user):
    page = tab
    base = live_server.url
    shot = Shots(page, "training-plan")
    log_in_by_cookie(page, base, portal_user.username)
    page.goto(f"{base}/sizing/")
    page.wait_for_selector("#result .status")
    before = status(page)
    page.select_option("#id_kind", "pretraining")
    page.wait_for_selector("#id_tokens_b")
    before = wait_status_change(page, before)
    page.select_option("#id_model", "llama-2-70b")
    before = wait_status_change(page, before)
    page.select_option("#id_gpu", "h100-nvl-94gb")
    page.wait_for_function("document.querySelector('#id_gpu').value === 'h100-nvl-94gb'")
    settle(page)
    page.fill("#id_tokens_b", "2000")
    page.fill("#id_target_days", "60")
    # the page shows the answer to these inputs once htmx has pushed their URL and nothing is
    # in flight: a debounce that fires late on a busy machine must not let the panel be read
    # before its update lands (settle alone can see the calm before the request starts)
    page.wait_for_function(
        "new URLSearchParams(location.search).get('target_days') === '60'"
        " && new URLSearchParams(location.search).get('tokens_b') === '2000'"
        " && document.querySelectorAll('.htmx-request').length === 0"
    )
    page.wait_for_selector("#training-plan")
    plan = page.inner_text("#training-plan")
    shot("panel", subject="#training-plan")

    # the wizard's JSON for this very page (same gateway as the API)
    query = page.evaluate("location.search")
    result = page.evaluate("q => fetch('/sizing/result.json' + q).then(r => r.json())", query)
    training, memory = result["training"], result["memory"]
    assert f"Training plan: {training['layout']['label']}" in plan
    assert f"MFU {training['mfu']:.1%}" in plan
    panel = training_panel(result)
    assert panel is not None and memory["total_per_gpu_gb"] > 0
    assert f"Memory per GPU: {panel['memory_total']} of {panel['memory_usable']} GB" in plan
    assert f"{panel['step_total']} s per optimizer step" in plan
    for heading in ("Parallel layout", "Step time", "Memory per GPU", "Next best layouts"):
        assert heading in plan
    for part in ("Compute", "Pipeline bubble", "Data-parallel"):
        assert part in plan
    assert plan.count("Source:") >= 4
    # accessible: axe (e.g. scrollable tables keyboard-reachable), unique ids, no overflow
    assert [v for v in axe_violations(page) if "training-plan" in v or "tp-" in v] == []
    assert duplicate_ids(page) == []
    assert layout_problems(page) == []
    # the panel is reachable and readable at phone width too
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("#training-plan").scroll_into_view_if_needed()
    assert page.is_visible("#training-plan h3")
    assert layout_problems(page) == []
    shot("panel-390px")
    assert page.console_errors == []
