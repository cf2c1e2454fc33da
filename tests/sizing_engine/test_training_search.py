"""The pruned layout search against an unpruned walk of the same space (hypothesis, every
training kind and GPU): the same fastest layout and the same runners-up, whatever the search
prunes or the order it costs in; and the bounds it prunes with hold for every layout."""

from __future__ import annotations

import gc
import importlib
import weakref
from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from apps.sizing.engine import SizingInputError, size, workplan
from apps.sizing.engine.spec import TRAINING_KINDS
from apps.sizing.engine.training import Candidate, Layout, TrainingSetup
from apps.sizing.engine.workload import parse_workload

from .helpers import CATALOG
from .test_training_properties import GPUS, MODELS, REL, SLOW, _layouts, _setup, setups

space = importlib.import_module("apps.sizing.engine.training.space")
bounds = importlib.import_module("apps.sizing.engine.training.bounds")
step = importlib.import_module("apps.sizing.engine.training.step")
search_mod = importlib.import_module("apps.sizing.engine.training.search")
plan_mod = importlib.import_module("apps.sizing.engine.training.plan")


def _unpruned(st_: TrainingSetup, gpus: int) -> list[Candidate]:
    """Every shape of every group costed (no bound, no warm start, floor 0), ranked as the
    search ranks: the best and the runners-up, one per distinct layout."""
    ctx = step.Context(st_)
    found: list[Candidate] = []
    for _, tp, cp, ep, rc in bounds.groups(ctx, gpus):
        bases = space.shallowest(ctx, gpus, tp, cp, ep, rc)
        for shape in space.group_shapes(ctx, gpus, bases):
            for lay in (shape, *space.idle_shapes(ctx, shape)):
                found.extend(search_mod._variants(ctx, lay.gpus, lay, 0.0)[0])
    found.sort(key=search_mod._rank)
    out: list[Candidate] = []
    seen: set[tuple[str, int, str]] = set()
    for c in found:
        key = (c.layout.label(), c.layout.zero, c.layout.recompute)
        if key not in seen and len(out) <= search_mod.KEEP:
            seen.add(key)
            out.append(c)
    return out


def _plain(c: Candidate) -> tuple[dict[str, int | str], float]:
    return c.layout.to_dict(), c.step.tokens_per_s


@SLOW
@given(setups, st.sampled_from([1, 2, 4, 8, 64, 512, 4096]))
def test_the_pruned_search_finds_what_the_unpruned_walk_finds(
    st_: TrainingSetup, nodes: int
) -> None:
    gpus = nodes * 8
    got = search_mod.search(st_, gpus)
    want = _unpruned(st_, gpus)
    case = f"{st_.model.slug} {st_.kind} {st_.gpu.slug} seq {st_.seq} on {gpus} GPUs"
    assert (got.best is None) == (not want), case
    if got.best is not None:
        assert [_plain(c) for c in (got.best, *got.runners_up)] == [_plain(c) for c in want], case


@SLOW
@given(setups, st.sampled_from([1, 2, 8, 64, 512]))
def test_a_best_only_search_finds_the_full_searchs_best(st_: TrainingSetup, nodes: int) -> None:
    """search(best_only=True) (plan.required's first count when it cannot meet the need)
    prunes against the best found instead of the last runner-up: the same best layout,
    figures and binding constraint, and no more layouts costed."""
    gpus = nodes * 8
    full = search_mod._search(step.Context(st_), gpus)
    fast = search_mod._search(step.Context(st_), gpus, best_only=True)
    case = f"{st_.model.slug} {st_.kind} {st_.gpu.slug} seq {st_.seq} on {gpus} GPUs"
    assert (fast.best is None) == (full.best is None), case
    if full.best is not None and fast.best is not None:
        assert _plain(fast.best) == _plain(full.best), case
        assert fast.best.step == full.best.step, case
        assert fast.binding == full.binding, case
        assert fast.evaluated <= full.evaluated, case


@SLOW
@given(setups, st.sampled_from([1, 8, 64]), st.floats(0.5, 1.5))
def test_a_count_that_cannot_meet_the_need_is_missed_by_its_best(
    st_: TrainingSetup, nodes: int, share: float
) -> None:
    """plan._misses (the largest group bound below the need) implies that the best layout
    misses it, so that count is never the answer and its runners-up are never read."""
    gpus = nodes * 8
    ranked = bounds.groups(step.Context(st_), gpus)
    assume(ranked)
    need = ranked[0][0] * share
    best = search_mod._search(step.Context(st_), gpus).best
    if plan_mod._misses(st_, gpus, need):
        assert best is None or best.step.tokens_per_s < need


@SLOW
@given(setups, st.sampled_from([1, 2, 8, 32]))
def test_the_depth_bound_holds_for_every_layout(st_: TrainingSetup, nodes: int) -> None:
    """A group's bound with the bubble of its shallowest pipeline (bounds.depth_bound)."""
    gpus = nodes * 8
    ctx = step.Context(st_)
    deep = {}
    for group_bound, tp, cp, ep, rc in bounds.groups(ctx, gpus):
        bases = space.shallowest(ctx, gpus, tp, cp, ep, rc)
        if bases:
            p0 = min(b.pp for b in bases)
            deep[(tp, cp, ep, rc)] = bounds.depth_bound(ctx, gpus, group_bound, tp, cp, p0)
    for lay in _layouts(st_, gpus):
        rate = step.step_time(ctx, lay).tokens_per_s
        assert deep[(lay.tp, lay.cp, lay.ep, lay.recompute)] >= rate * (1 - REL), lay


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(MODELS),
    st.sampled_from(TRAINING_KINDS),
    st.sampled_from([1e10, 1e11, 1e12]),
    st.sampled_from([2.0, 10.0, 30.0]),
)
def test_an_automatic_sizing_gives_each_candidate_its_own_answer(
    model: str, kind: str, tokens: float, days: float
) -> None:
    """The automatic choice starts each Ethernet candidate from the InfiniBand answer on the
    same GPU (plan.no_slower); every candidate still gets what sizing it alone gives."""
    training = {"tokens": tokens, "target_days": days, "sequence_length": 4096}
    data = {"kind": kind, "model": model, "gpu": "auto", "fabric": "auto", "training": training}
    try:
        auto = size(data, CATALOG).to_dict()
    except SizingInputError:
        return
    for alt in auto["alternatives"]:
        if not alt["feasible"]:
            continue
        alone = size({**data, "gpu": alt["gpu"], "fabric": alt["fabric"]}, CATALOG).to_dict()
        assert (alt["gpu_count"], alt["days"]) == (alone["gpu_count"], alone["training"]["days"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(MODELS),
    st.sampled_from(TRAINING_KINDS),
    st.sampled_from([2048, 4096, 8192]),
    st.sampled_from(GPUS),
    st.sampled_from(GPUS),
    st.sampled_from([1, 4, 32, 256]),
)
def test_a_gpu_sharing_another_gpus_tables_searches_as_alone(
    model: str, kind: str, seq: int, first: str, second: str, nodes: int
) -> None:
    """plan.share_model (an automatic sizing's GPUs after the first) shares only what reads
    no GPU: the second GPU's search, after the first GPU's on the same count, gives what it
    gives alone (best, runners-up, figures, binding, layouts costed); the fit threshold
    stays its own. Runs that differ in more than the GPU share nothing."""
    gpus = nodes * 8
    try:
        a, b = _setup(model, first, kind, seq), _setup(model, second, kind, seq)
        alone = search_mod.search(_setup(model, second, kind, seq), gpus)
    except SizingInputError:  # no such precision on one of the GPUs
        return
    search_mod.search(a, gpus)
    assert plan_mod.share_model(b, a)
    got = search_mod.search(b, gpus)
    assert (got.best is None) == (alone.best is None)
    if got.best is not None and alone.best is not None:
        want = [(_plain(c), c.step, c.memory) for c in (alone.best, *alone.runners_up)]
        assert [(_plain(c), c.step, c.memory) for c in (got.best, *got.runners_up)] == want
        assert (got.binding, got.evaluated) == (alone.binding, alone.evaluated)
    other = _setup(model, second, kind, 2048 if seq != 2048 else 4096)
    assert not plan_mod.share_model(other, a)


@pytest.mark.parametrize(
    ("model", "kind", "days", "slower", "above"),
    [
        ("llama-2-70b", "full_finetune", 2, False, False),  # the guessed count is the answer
        ("llama-2-70b", "lora", 1, False, True),  # one node above the answer
        ("llama-2-70b", "pretraining", 10, True, True),  # a slower layout: five nodes above
    ],
)
def test_a_count_guessed_from_another_gpus_answer_gives_the_plain_answer(
    model: str,
    kind: str,
    days: float,
    slower: bool,
    above: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """plan.required with ``guess_from`` (an automatic sizing's next GPU: the previous GPU's
    answer layout) first decides the count where that layout, re-shaped, meets, and still
    proves the count below the answer to miss: the same answer (count, days, layout,
    figures) as without the guess, whether the guess is the answer or above it."""
    first = plan_mod.required(_setup(model, "h100-pcie-80gb", kind, 4096), days)[0]
    guess = first.best.layout
    if slower:  # full recompute: the same shape, slower, so its guess lands well above
        guess = replace(guess, recompute="full")
    plain = plan_mod.required(_setup(model, "h100-nvl-94gb", kind, 4096), days)[0]
    st_ = _setup(model, "h100-nvl-94gb", kind, 4096)
    need = plan_mod.run_tokens(st_) / ((days + 1e-9) * 86400 * st_.assumptions.goodput)
    hinted = plan_mod._hint_nodes(st_, guess, need, 0)
    decided: list[tuple[int, float]] = []
    outcome = plan_mod.outcome

    def spy(s: TrainingSetup, gpus: int, need: float = 0.0, best_only: bool = False) -> Any:
        decided.append((gpus // 8, need))
        return outcome(s, gpus, need, best_only)

    monkeypatch.setattr(plan_mod, "outcome", spy)
    got = plan_mod.required(st_, days, guess_from=guess)[0]
    assert decided[0] == (hinted, need)  # the guess is taken: its count decided first
    assert hinted is not None and hinted >= plain.gpus // 8  # the best is at least as fast
    assert (hinted > plain.gpus // 8) == above  # the case is the one it says
    assert (got.gpus, got.days, got.gpu_hours) == (plain.gpus, plain.days, plain.gpu_hours)
    assert (got.best.layout, got.best.step) == (plain.best.layout, plain.best.step)


def test_the_fast_layout_constructor_builds_the_same_layout() -> None:
    """memory.layout (the search's inner loops) sets every field of Layout, as Layout does."""
    memory = importlib.import_module("apps.sizing.engine.training.memory")
    fast = memory.layout(8, 2, 16, 64, 4, 3, "full", 2, 8, 4)
    slow = Layout(
        tp=8,
        cp=2,
        pp=16,
        dp=64,
        ep=4,
        vpp=4,
        zero=3,
        recompute="full",
        micro_batch=2,
        micro_batches=8,
    )
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert list(vars(fast)) == [f.name for f in fields(Layout)]


@given(setups, st.integers(1, 40_000), st.integers(1, 64))
def test_the_depth_records_scan_ends_only_where_no_record_is_left(
    st_: TrainingSetup, ranks: int, p_min: int
) -> None:
    """``MemoryModel.records`` (the deeper depths that use the GPUs better than every
    shallower one, space.pp_options) stops early; it finds what scanning every depth finds."""
    mem = step.Context(st_).mem
    top = min(st_.s.layers, ranks)
    assume(p_min <= top)
    record = max(mem.use(pp, ranks) for pp in range(p_min, min(top, 2 * p_min) + 1))
    expected, best = [], record
    for pp in range(2 * p_min + 1, top + 1):
        use = mem.use(pp, ranks)
        if use > best + 1e-12:
            best = use
            expected.append(pp)
    assert mem.records(ranks, 2 * p_min + 1, top, record) == expected


def test_a_setup_and_its_search_caches_are_freed_without_the_cyclic_collector() -> None:
    """A setup keeps its search Context in its memo, so the Context (and its memory model)
    must not hold the setup itself (step.Context holds a copy without the memo): else every
    setup's caches, thousands of tuples, form a reference cycle that only the cyclic
    collector frees, its passes walking them (~3 % of a 4,096-node plan's instructions)."""
    workload = parse_workload(
        {
            "kind": "pretraining",
            "model": "llama-2-70b",
            "gpu": "h100-sxm5-80gb",
            "nodes": 8,
            "training": {"tokens": 1e11},
        }
    )
    model, gpu = CATALOG.models["llama-2-70b"], CATALOG.gpus["h100-sxm5-80gb"]
    setup = workplan.training_setup(workload, model, gpu, 8)
    assert search_mod.search(setup, 64).best is not None
    setup_ref, ctx_ref = weakref.ref(setup), weakref.ref(step.context(setup))
    was = gc.isenabled()
    gc.disable()
    try:
        del setup  # the last reference: freed at once, with its context, by reference counts
        assert setup_ref() is None
        assert ctx_ref() is None
    finally:
        if was:
            gc.enable()
