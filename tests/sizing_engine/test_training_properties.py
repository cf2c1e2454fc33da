"""Training properties (hypothesis, every training kind and GPU): the layout search against a
brute-force enumeration of every layout, the bounds it prunes with, memory and step-time
monotonicity, and whole-sizing properties (more tokens or a shorter deadline never fewer GPUs;
Ethernet never faster than InfiniBand at equal bandwidth; more fabric bandwidth never slower;
in capacity mode more nodes never slower)."""

from __future__ import annotations

import importlib
import itertools
import os
from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.sizing.engine import SizingInputError, size, workplan
from apps.sizing.engine.spec import TRAINING_KINDS
from apps.sizing.engine.training import Layout, TrainingSetup, outcome
from apps.sizing.engine.workload import parse_workload

from .helpers import CATALOG

# the package re-exports ``search`` (a function) under the module's name
space = importlib.import_module("apps.sizing.engine.training.space")
bounds = importlib.import_module("apps.sizing.engine.training.bounds")
step = importlib.import_module("apps.sizing.engine.training.step")
plan = importlib.import_module("apps.sizing.engine.training.plan")
search_mod = importlib.import_module("apps.sizing.engine.training.search")

GPUS = sorted(CATALOG.gpus)  # orderable and reference GPUs alike
DENSE = ["llama-2-7b", "llama-3.1-8b", "mistral-7b", "qwen2.5-7b", "llama-2-13b", "mpt-30b"]
MODELS = [*DENSE, "mixtral-8x7b", "llama-2-70b"]
# The brute-force comparisons cost ~1 s of CPU an example (every layout rated): 25 examples with
# HYPOTHESIS_PROFILE=ci (.ci/run) and 100 `thorough`, 10 in the local `dev` run.
SLOW_EXAMPLES = {"dev": 10, "ci": 25, "thorough": 100}[os.environ.get("HYPOTHESIS_PROFILE", "dev")]
SLOW = settings(
    max_examples=SLOW_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
REL = 1e-9  # float slack when comparing rates
# The search walks, per ZeRO stage, the shallowest pipeline that fits, every depth up to twice
# it, powers of two up to four times it and any deeper depth that uses the GPUs better
# (space.pp_options); another depth that frees memory for a larger micro-batch could still be
# a little faster, so the comparison with every depth allows a small slack (in 300 random
# cases, two fell short, by 0.9 % and 0.1 %).
DEPTH_SLACK = 0.02


def _setup(model: str, gpu: str, kind: str, seq: int, **training: Any) -> TrainingSetup:
    w = parse_workload(
        {
            "kind": kind,
            "model": model,
            "gpu": gpu,
            "nodes": 1,
            "training": {"tokens": 1e11, "sequence_length": seq, **training},
        }
    )
    return workplan.training_setup(w, CATALOG.models[model], CATALOG.gpus[gpu], 8)


def _layouts(st_: TrainingSetup, gpus: int) -> list[Layout]:
    """Every layout on at most ``gpus`` GPUs the search may pick (``_layouts_at``)."""
    return [lay for _, lay in _layouts_at(st_, gpus)]


def _layouts_at(st_: TrainingSetup, gpus: int) -> list[tuple[int, Layout]]:
    """Every layout on ``gpus`` GPUs (DP takes every GPU left, as the search does, or the
    fewer GPUs of a DP that splits the global batch into whole micro-batches better:
    ``space.record_dps``), every pipeline depth, ZeRO 0-3, recompute the search tries,
    interleaving and micro-batch that fits memory; each with the GPU count its DP is from."""
    ctx = step.Context(st_)
    out = []
    for tp in space.tp_options(st_):
        for cp in space.cp_options(st_):
            for ep in space.ep_options(st_):
                for rc in space.recompute_options(st_):
                    for zero in (0, 1, 2, 3):
                        for pp in range(1, min(st_.s.layers, gpus // (tp * cp)) + 1):
                            dp1 = space.dp_shape(ctx, gpus, tp, cp, pp, 1, ep)[0]
                            step_ = space.ep_step(tp, cp, ep)  # EP divides TP x CP x DP
                            counts = [gpus] + [
                                d * tp * cp * pp for d in space.record_dps(ctx.g, dp1, step_)
                            ]
                            for n, mb in itertools.product(counts, space.micro_batches(st_)):
                                dp, m = space.dp_shape(ctx, n, tp, cp, pp, mb, ep)
                                if (mb > 1 and dp * mb > ctx.g) or (tp * cp * dp) % ep:
                                    continue
                                for v in space.vpp_options(ctx, pp):
                                    if v > 1 and m < pp:
                                        continue
                                    lay = Layout(
                                        tp=tp,
                                        cp=cp,
                                        pp=pp,
                                        dp=dp,
                                        ep=ep,
                                        vpp=v,
                                        zero=zero,
                                        recompute=rc,
                                        micro_batch=mb,
                                        micro_batches=m,
                                    )
                                    if ctx.mem.fits(lay):
                                        out.append((n, lay))
    return out


setups = st.builds(
    _setup,
    st.sampled_from(MODELS),
    st.sampled_from(GPUS),
    st.sampled_from(TRAINING_KINDS),
    st.sampled_from([2048, 4096, 8192]),
)


@SLOW
@given(setups, st.sampled_from([1, 2, 4, 8, 16, 64]))
def test_the_chosen_layout_is_never_beaten_by_an_enumerated_one(
    st_: TrainingSetup, nodes: int
) -> None:
    gpus = nodes * 8
    got = search_mod.search(st_, gpus).best
    ctx = step.Context(st_)
    rated = [(step.step_time(ctx, lay).tokens_per_s, lay) for lay in _layouts(st_, gpus)]
    assert (got is None) == (not rated)
    if got is not None:
        rate, lay = max(rated, key=lambda r: r[0])
        case = f"{st_.model.slug} {st_.kind} {st_.gpu.slug} seq {st_.seq} on {gpus} GPUs"
        assert got.step.tokens_per_s >= rate * (1 - DEPTH_SLACK), f"{case}: {lay} beats {got}"
        assert got.memory.fits


@SLOW
@given(setups, st.sampled_from([1, 2, 8, 32]))
def test_every_bound_the_search_prunes_with_holds(st_: TrainingSetup, nodes: int) -> None:
    """Every bound holds for every enumerated layout, on InfiniBand and on Ethernet: an
    Ethernet run's decisions and best-only searches also prune with the InfiniBand run's
    bounds (search.py, ``ctx.faster``), which holds because no layout runs faster on
    Ethernet at equal bandwidth (checked here layout by layout). The shape bounds (memory
    cap, ``shape_bound``, ``pre_bound``, ``optimistic``, the idle shapes' pipeline bound,
    the fullest stage's bound above the pipeline bound)
    read only the shape, so each is computed once per shape and checked against the
    fastest of its layouts (the same test as against each: max over its layouts)."""
    gpus = nodes * 8
    ctx = step.Context(st_)
    eth_st = replace(st_, fabric="ethernet")
    assert plan.no_slower(st_, eth_st)
    eth = step.Context(eth_st)
    group_bound = {(tp, cp, ep, rc): b for b, tp, cp, ep, rc in bounds.groups(ctx, gpus)}
    # per (GPU count, shape at micro-batch 1): the fastest of its layouts, its largest micro-batch
    shapes: dict[tuple[int, Layout], tuple[float, int]] = {}
    for n, lay in _layouts_at(st_, gpus):
        rate = step.step_time(ctx, lay).tokens_per_s
        slower = step.step_time(eth, lay).tokens_per_s
        assert slower <= rate, f"{lay} faster on Ethernet: {slower} > {rate}"
        assert step.rate_bound(ctx, lay) >= rate * (1 - REL)
        key = (lay.tp, lay.cp, lay.ep, lay.recompute)
        assert group_bound[key] >= rate * (1 - REL)
        dp1, m1 = space.dp_shape(ctx, n, lay.tp, lay.cp, lay.pp, 1, lay.ep)
        shape = Layout(
            tp=lay.tp,
            cp=lay.cp,
            pp=lay.pp,
            dp=dp1,
            ep=lay.ep,
            vpp=1,
            zero=lay.zero,
            recompute=lay.recompute,
            micro_batch=1,
            micro_batches=m1,
        )
        fastest, widest_mb = shapes.get((n, shape), (0.0, 0))
        shapes[(n, shape)] = (max(fastest, rate), max(widest_mb, lay.micro_batch))
    for (n, shape), (rate, mb) in shapes.items():
        cap, cap_dp = bounds.memory_cap(ctx, n, shape)
        assert mb <= cap
        capped = bounds.shape_bound(ctx, shape, cap, cap_dp)
        assert capped >= rate * (1 - REL)
        pre = bounds.pre_bound(ctx, n, shape)
        assert pre >= rate * (1 - REL)
        # decisions and best-only searches bound a shape by its cap in place of this one
        assert capped <= pre * (1 + REL)
        assert bounds.optimistic(ctx, n, shape, cap) >= rate * (1 - REL)
        if shape.ep == 1:  # a full search keys a shape by this before its pipeline bound
            first = bounds.stage_rate(ctx, shape.tp, shape.cp, shape.pp, shape.dp, shape.recompute)
            pipe = bounds.pipe_bound(ctx, n, shape)
            assert pipe is not None and first >= pipe  # exactly: the same shapes' order
        if n == gpus and shape.ep == 1:  # the search drops a shape's idle shapes from the
            # first below its cut on: their pipeline bounds fall with their DPs, exactly
            dps = (shape.dp, *space.idle_dps(ctx, shape.dp))
            rc = shape.recompute
            rates = [bounds.pipe_rate(ctx, shape.tp, shape.cp, shape.pp, d, rc) for d in dps]
            assert rates == sorted(rates, reverse=True), (shape, dps, rates)
        if n < gpus and shape.ep == 1:  # an idle shape waits behind its full shape's bound
            full = space.dp_shape(ctx, gpus, shape.tp, shape.cp, shape.pp, 1)
            widest = replace(shape, dp=full[0], micro_batches=full[1])
            pipe = bounds.pipe_bound(ctx, gpus, widest)
            assert pipe is not None and pipe >= rate * (1 - REL)


def _dp_link(ctx: step.Context, lay: Layout) -> float:
    """Achieved bytes/s of the data-parallel group's slowest hop (0 without such a group)."""
    d = lay.dp * lay.cp
    return ctx.group(*ctx.spread(d, lay.tp)).bytes_per_s if d > 1 else 0.0


@given(setups, st.sampled_from([1, 2, 4, 16]), st.integers(1, 8))
def test_more_gpus_never_slower_at_a_fixed_layout(
    st_: TrainingSetup, nodes: int, factor: int
) -> None:
    """More data-parallel replicas of the same layout never lower the throughput, as long as
    the data-parallel group already runs over a link at least as fast. Not otherwise: a
    ZeRO-3 layout whose one replica fit a node (DP 1) gathers its parameters over the compute
    fabric for every micro-batch once DP reaches a second node, which can cost more than the
    halved compute saves (found by hypothesis: MPT-30B, TP2 CP2 PP2 ZeRO-3, 8 -> 16 GPUs,
    16.9k -> 4.5k tokens/s); the search then picks another layout (capacity-mode test below)."""
    ctx = step.Context(st_)
    found = search_mod.search(st_, nodes * 8).best
    assume(found is not None)
    assert found is not None
    # its own GPU count times the factor (the layout may leave GPUs idle: space.idle_shapes)
    bigger = space.reshape(ctx, found.layout, found.layout.gpus * factor)
    assume(bigger is not None)
    assert bigger is not None
    small_link = _dp_link(ctx, found.layout)
    assume(small_link > 0.0 and _dp_link(ctx, bigger) >= small_link * (1 - REL))
    assert step.step_time(ctx, bigger).tokens_per_s >= found.step.tokens_per_s * (1 - REL)


@given(setups, st.sampled_from([1, 4, 16]))
def test_memory_grows_with_micro_batch_and_sequence_and_falls_with_zero(
    st_: TrainingSetup, nodes: int
) -> None:
    found = search_mod.search(st_, nodes * 8).best
    assume(found is not None)
    assert found is not None
    lay = found.layout
    mm = step.Context(st_).mem
    total = mm.breakdown(lay).total_gb
    double_mb = replace(lay, micro_batch=2 * lay.micro_batch)
    assert mm.breakdown(double_mb).total_gb >= total - 1e-9
    longer = replace(st_, seq=2 * st_.seq)
    assert step.Context(longer).mem.breakdown(lay).total_gb >= total - 1e-9
    states = [mm.breakdown(replace(lay, zero=z)).model_states_gb for z in range(4)]
    assert states == sorted(states, reverse=True)
    if lay.dp * lay.cp > 1 and not st_.lora:
        assert states[3] < states[0]


# ----------------------------------------------------------------------------- whole sizings


def _training(
    model: str,
    gpu: str,
    kind: str,
    *,
    fabric: str = "infiniband",
    nodes: int | None = None,
    fabric_gbps: float | None = None,
    **training: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": kind,
        "model": model,
        "gpu": gpu,
        "fabric": fabric,
        "training": {"sequence_length": 4096, **training},
    }
    if nodes is not None:
        data["nodes"] = nodes
    if fabric_gbps is not None:
        data["assumptions"] = {"fabric_gbps_per_gpu": fabric_gbps}
    return data


def _sized(data: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return size(data, CATALOG).to_dict()
    except SizingInputError:
        return None


def _gpus(data: dict[str, Any]) -> int | None:
    got = _sized(data)
    return None if got is None else int(got["gpu_count"])


def _days(data: dict[str, Any]) -> float | None:
    got = _sized(data)
    return None if got is None else float(got["training"]["days"])


@given(
    st.sampled_from(MODELS),
    st.sampled_from(GPUS),
    st.sampled_from(TRAINING_KINDS),
    st.floats(1e9, 2e12),
    st.floats(1.0, 4.0),
    st.floats(2.0, 60.0),
    st.floats(1.0, 4.0),
)
def test_more_tokens_or_a_shorter_deadline_never_fewer_gpus(
    model: str, gpu: str, kind: str, tokens: float, more: float, days: float, shorter: float
) -> None:
    base = _gpus(_training(model, gpu, kind, tokens=tokens, target_days=days))
    assume(base is not None)
    assert base is not None
    for harder in (
        _training(model, gpu, kind, tokens=tokens * more, target_days=days),
        _training(model, gpu, kind, tokens=tokens, target_days=days / shorter),
    ):
        count = _gpus(harder)
        assert count is None or count >= base


capacity = st.tuples(
    st.sampled_from(MODELS),
    st.sampled_from(GPUS),
    st.sampled_from(TRAINING_KINDS),
    st.sampled_from([1, 2, 3, 8, 16, 64, 256]),
)


@given(capacity)
def test_ethernet_is_never_faster_than_infiniband_at_equal_bandwidth(
    case: tuple[str, str, str, int],
) -> None:
    model, gpu, kind, nodes = case
    ib = _days(_training(model, gpu, kind, tokens=1e11, nodes=nodes))
    eth = _days(_training(model, gpu, kind, tokens=1e11, nodes=nodes, fabric="ethernet"))
    assume(ib is not None and eth is not None)
    assert ib is not None and eth is not None
    assert eth >= ib * (1 - 1e-6)


def _plan_days(model: str, gpu: str, kind: str, nodes: int, gbps: float) -> float | None:
    """Days of the training plan alone on ``nodes`` nodes at ``gbps`` of fabric per GPU (the
    cluster layer refuses NIC counts a node cannot hold, which is not what is tested here)."""
    w = parse_workload(
        {
            "kind": kind,
            "model": model,
            "gpu": gpu,
            "nodes": nodes,
            "training": {"tokens": 1e11, "sequence_length": 4096},
            "assumptions": {"fabric_gbps_per_gpu": gbps},
        }
    )
    st_ = workplan.training_setup(w, CATALOG.models[model], CATALOG.gpus[gpu], 8)
    got = outcome(st_, nodes * 8)
    return None if got is None else got.days


@given(capacity, st.sampled_from([(100, 200), (200, 400), (100, 800), (400, 800)]))
def test_more_fabric_bandwidth_is_never_slower(
    case: tuple[str, str, str, int], widths: tuple[int, int]
) -> None:
    model, gpu, kind, nodes = case
    narrow, wide = (_plan_days(model, gpu, kind, nodes, w) for w in widths)
    assume(narrow is not None)
    assert narrow is not None and wide is not None
    assert wide <= narrow * (1 + 1e-6)


@given(capacity, st.integers(1, 64))
def test_in_capacity_mode_more_nodes_are_never_slower(
    case: tuple[str, str, str, int], extra: int
) -> None:
    model, gpu, kind, nodes = case
    few = _days(_training(model, gpu, kind, tokens=1e11, nodes=nodes))
    many = _days(_training(model, gpu, kind, tokens=1e11, nodes=nodes + extra))
    assume(few is not None)
    assert few is not None
    assert many is not None and many <= few * (1 + 1e-6)
