"""The serving layout search prunes (issue 16): it must choose exactly what evaluating every
layout's full batch search would, and the monotonicity both rely on must hold."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sizing.engine.serving.replica import Replica, ServingSetup
from apps.sizing.engine.serving.search import (
    choose_for_gpus,
    choose_for_users,
    replicas_for,
    setup_for,
)
from apps.sizing.engine.workload import parse_workload

from .helpers import CATALOG

MODELS = ("llama-3.1-8b", "llama-2-70b", "mixtral-8x7b", "deepseek-v2", "qwen3-30b-a3b", "phi-4")
GPUS = ("l40s-48gb", "h100-nvl-94gb", "h100-pcie-80gb", "h200-sxm-141gb")
WORKLOAD = {
    "model": st.sampled_from(MODELS),
    "gpu": st.sampled_from(GPUS),
    "prompt": st.sampled_from((64, 1024, 8000, 30000)),
    "output": st.sampled_from((32, 256, 1000)),
    "tps": st.sampled_from((2.0, 10.0, 30.0, 60.0)),
    "ttft": st.sampled_from((0.3, 2.0, 10.0)),
}


def _setup(model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float) -> ServingSetup:
    inference = {
        "prompt_tokens": prompt,
        "output_tokens": output,
        "target_tokens_per_s_per_user": tps,
        "target_ttft_s": ttft,
    }
    data = {"kind": "inference", "model": model, "gpu": gpu, "nodes": 1, "inference": inference}
    w = parse_workload(data)
    assert w.inference is not None
    g = CATALOG.gpus[gpu]
    return setup_for(CATALOG.models[model], g, w.precision, w.inference, w.assumptions, "ethernet")


def _order(r: Replica) -> tuple[int, int, int]:
    return (r.layout.nodes, r.layout.tp, r.layout.pp)


def _every_layout_for_users(s: ServingSetup, users: int) -> Replica | None:
    """The search without pruning: every layout's full batch search, then the rule."""
    working = [r for r in replicas_for(s, 8) if r.max_batch >= 1]
    if not working:
        return None
    fewest = min(r.layout.nodes for r in working)
    allowed = [r for r in working if r.layout.nodes == fewest]
    return min(allowed, key=lambda r: (math.ceil(users / r.max_batch) * r.layout.gpus, _order(r)))


def _every_layout_for_gpus(s: ServingSetup, gpus: int) -> Replica | None:
    fitting = [r for r in replicas_for(s, 8) if r.memory_batch >= 1 and r.layout.gpus <= gpus]
    if not fitting:
        return None

    def served(r: Replica) -> tuple[int, float, int, tuple[int, int, int]]:
        speed = r.user_rate(r.max_batch) if r.max_batch else 0.0
        nodes, tp, pp = _order(r)
        return (gpus // r.layout.gpus) * r.max_batch, round(speed, 6), -nodes, (-nodes, -tp, -pp)

    return max(fitting, key=served)


@settings(max_examples=40, deadline=None)
@given(users=st.integers(min_value=1, max_value=5000), **WORKLOAD)
def test_the_pruned_size_search_chooses_what_the_full_search_does(
    users: int, model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float
) -> None:
    s = _setup(model, gpu, prompt, output, tps, ttft)
    expected = _every_layout_for_users(s, users)
    if expected is None:
        return
    fresh = _setup(model, gpu, prompt, output, tps, ttft)  # no batch search cached
    choice = choose_for_users(fresh, 8, users)
    assert choice.replica.layout == expected.layout
    assert choice.batch == expected.max_batch


@settings(max_examples=30, deadline=None)
@given(nodes=st.integers(min_value=1, max_value=6), **WORKLOAD)
def test_the_pruned_capacity_search_chooses_what_the_full_search_does(
    nodes: int, model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float
) -> None:
    s = _setup(model, gpu, prompt, output, tps, ttft)
    expected = _every_layout_for_gpus(s, nodes * 8)
    if expected is None:
        return
    choice = choose_for_gpus(_setup(model, gpu, prompt, output, tps, ttft), 8, nodes * 8)
    assert choice.replica.layout == expected.layout
    assert choice.batch == expected.max_batch


@settings(max_examples=12, deadline=None)
@given(**WORKLOAD)
def test_the_targets_hold_for_every_batch_up_to_the_max_batch_and_none_above(
    model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float
) -> None:
    """What the bisection and the one-check pruning (``Replica.serves``) both assume."""
    for r in replicas_for(_setup(model, gpu, prompt, output, tps, ttft), 8):
        if r.layout.nodes > 2:
            continue
        meets = [r.meets(b) for b in range(1, r.memory_batch + 1)]
        assert meets == [b <= r.max_batch for b in range(1, r.memory_batch + 1)], r.layout


@settings(max_examples=20, deadline=None)
@given(batch=st.integers(min_value=1, max_value=4096), **WORKLOAD)
def test_the_rate_bound_is_never_below_the_rate(
    batch: int, model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float
) -> None:
    """``Replica.rate_bound`` lets ``serves`` skip a layout without evaluating it: it must be
    at least the rate a user gets, on every layout (multi-node and expert-parallel ones too).
    The rate ``serves`` turns a layout down on next, without the rest of the prefill, is that
    rate exactly."""
    for r in replicas_for(_setup(model, gpu, prompt, output, tps, ttft), 8):
        assert r.rate_bound(batch) >= r.user_rate(batch), (r.layout, batch)
        assert r._rate_of(batch) == r.user_rate(batch), (r.layout, batch)


@settings(max_examples=20, deadline=None)
@given(
    batch=st.integers(min_value=1, max_value=1024),
    longer=st.integers(min_value=1, max_value=20000),
    **WORKLOAD,
)
def test_the_rate_and_the_memory_batch_never_rise_with_the_prompt(
    batch: int, longer: int, model: str, gpu: str, prompt: int, output: int, tps: float, ttft: float
) -> None:
    """What ``Replica.serves``' kept misses rely on: with the rest of the setup the same, a
    longer prompt never gives a user a faster rate at the same batch (a miss at a shorter
    prompt is a miss at a longer one), up to rounding far below ``replica.MARGIN``."""
    short = replicas_for(_setup(model, gpu, prompt, output, tps, ttft), 8)
    long = replicas_for(_setup(model, gpu, prompt + longer, output, tps, ttft), 8)
    for a, b in zip(short, long, strict=True):
        assert b.user_rate(batch) <= a.user_rate(batch) * (1 + 1e-12), (a.layout, batch)
        # and the memory batch (``search._most_users_kept`` rules a layout out by a shorter
        # prompt's, plus one for the floor's rounding)
        assert b.memory_batch <= a.memory_batch + 1, a.layout
