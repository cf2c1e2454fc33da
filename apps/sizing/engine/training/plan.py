"""Training GPU plan: the fewest whole nodes meeting the deadline (size mode) or what a given
cluster achieves (capacity mode), from the layout search; refusals name a lever that helps.
(Over 400 lines on purpose: the node search, its proofs of a miss and its refusals read
together.)"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from ..errors import SizingInputError
from .bounds import groups
from .memory import Layout, MemoryModel
from .search import Candidate, SearchResult, search
from .setup import TrainingSetup
from .space import cp_options, ep_options, reshape, share_memory, tp_options
from .step import context, step_time

MAX_NODES = 100_000
MEMORY_SEARCH_GPUS = 1 << 20


@dataclass(frozen=True)
class TrainingOutcome:
    """A searched layout on a GPU count and the run's wall clock."""

    gpus: int
    result: SearchResult
    days: float
    gpu_hours: float

    @property
    def best(self) -> Candidate:
        """The chosen layout (the search found one)."""
        assert self.result.best is not None
        return self.result.best


def run_tokens(st: TrainingSetup) -> float:
    """Tokens the run trains on."""
    return st.spec.tokens * st.spec.epochs


def outcome(
    st: TrainingSetup, gpus: int, need: float = 0.0, best_only: bool = False
) -> TrainingOutcome | None:
    """Search ``gpus`` GPUs (only deciding whether ``need`` tokens/s is reached, when given;
    only the best layout, with ``best_only``: search.search); None when no layout costed
    fits."""
    res = search(st, gpus, need, best_only)
    if res.best is None:
        return None
    rate = res.best.step.tokens_per_s * st.assumptions.goodput
    days = run_tokens(st) / rate / 86400
    return TrainingOutcome(gpus, res, days, days * 24 * res.best.layout.gpus)


def min_gpus_for_memory(st: TrainingSetup) -> int | None:
    """Fewest GPUs on which some layout holds the model (None: none up to 2^20). Memory only
    falls with a higher ZeRO stage (beyond one replica) and with full recompute, so only those
    (and ZeRO-0 for a single replica) need trying when the search may choose them. For each
    choice the first depth on which some DP fits counts (its fewest DP: ``_min_dp``); depths
    that cannot fit are skipped (``_first_depth``) and a DP that cannot beat the best so far
    is not searched for, which changes no answer. The setup's memory model is the search's
    (``context``: its byte tables, shared with another GPU's by ``share_model``, serve both)."""
    best: int | None = None
    zeros = [st.spec.zero_stage] if st.spec.zero_stage is not None else [0, 3]
    rcs = ["full"] if st.spec.recompute is None else [st.spec.recompute]
    g = st.global_batch
    mm = context(st).mem
    for tp in tp_options(st):
        for cp in cp_options(st):
            for ep in ep_options(st):
                step = ep // math.gcd(ep, tp * cp)
                for rc in rcs:
                    for zero in zeros:
                        first = _first_depth(mm, tp, cp, ep, zero, rc, step, g)
                        for pp in range(first, st.s.layers + 1):
                            if best is not None and tp * cp * pp * step >= best:
                                break
                            dp = _min_dp(mm, tp, cp, pp, ep, zero, rc, step, g, best)
                            if dp is not None:
                                if dp != _NOT_FEWER:
                                    gpus = tp * cp * pp * dp
                                    best = gpus if best is None else min(best, gpus)
                                break
    return best


def _first_depth(
    mm: MemoryModel, tp: int, cp: int, ep: int, zero: int, rc: str, step: int, g: int
) -> int:
    """A depth below which no ZeRO-0 layout of this choice fits (ZeRO-0 keeps DP at ``step``;
    1 for the other stages): its model states S(1)/p and at least min(layers, m) layers'
    activations (``MemoryModel.none_deeper_fits``: most(p) × min(p, m) >= min(layers, m))
    exceed the usable memory at every p below it, with a margin of 10^-6 of the usable
    memory over any rounding, so only depths that cannot fit are skipped."""
    if zero != 0:
        return 1
    m = max(1, g // step)
    per_layer, rebuilt, logits = mm._activations(tp, cp, 1, rc)
    layers = mm.layers if mm.layers < m else m
    rest = layers * per_layer + rebuilt + logits + mm._overhead(tp, zero)
    room = (mm.usable + 1e-6) * (1 + 1e-6) - rest
    if room <= 0:
        return mm.layers + 1  # no depth fits
    states = mm.state_bytes(tp, cp, 1, step, ep, zero)  # ZeRO-0 states: S(1) / p at depth p
    return max(1, math.floor(states / room * (1 - 1e-6)))


_NOT_FEWER = -1  # ``_min_dp``: some DP fits, but not on fewer GPUs than the best so far


def _min_dp(
    mm: MemoryModel,
    tp: int,
    cp: int,
    pp: int,
    ep: int,
    zero: int,
    rc: str,
    step: int,
    g: int,
    best: int | None = None,
) -> int | None:
    """Fewest DP (a multiple of ``step``) at which the layout fits, searched by doubling up to
    2^20 GPUs then bisection (memory never grows with DP: the sharded states and the
    micro-batches held both fall); None when none fits. With ``best``, a DP on as many GPUs
    as ``best`` or more is not searched for: ``_NOT_FEWER`` when one fits."""

    def fits(dp: int) -> bool:
        return mm.fits_shape(tp, cp, pp, dp, ep, zero, rc, 1, max(1, g // dp))

    if fits(step):
        return step
    model = tp * cp * pp
    if zero == 0 or model * step > MEMORY_SEARCH_GPUS:
        return None
    top = step  # the largest DP the doubling reaches (step × 2^k, within 2^20 GPUs)
    while model * top * 2 <= MEMORY_SEARCH_GPUS:
        top *= 2
    cap = top
    if best is not None:
        cap = min(top, (best - 1) // model // step * step)
        if cap <= step:  # ``step`` already fails: only more GPUs than ``best`` could fit
            return _NOT_FEWER if fits(top) else None
    if not fits(cap):
        if cap == top:
            return None
        return _NOT_FEWER if fits(top) else None
    lo, hi = step, cap  # fits(lo) false, fits(hi) true: the fewest multiple of step between
    while hi - lo > step:
        mid = (lo + hi) // 2 // step * step
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def levers(st: TrainingSetup, gpus: int) -> list[str]:
    """Changes that make the model fit on ``gpus`` GPUs, each verified by a new search."""
    out: list[str] = []
    trials: list[tuple[str, TrainingSetup]] = []
    if st.spec.zero_stage is not None and st.spec.zero_stage < 3:
        trials.append(("training.zero_stage 3", _with(st, zero_stage=None)))
    if st.spec.recompute not in (None, "full"):
        trials.append(("training.recompute full", _with(st, recompute=None)))
    names = ("tensor_parallel", "pipeline_parallel", "context_parallel", "expert_parallel")
    for name in (*names, "micro_batch_size"):
        if getattr(st.spec, name) is not None:
            trials.append((f"training.{name} chosen by the engine", _with(st, **{name: None})))
    if st.kind == "lora":
        trials.append(("kind qlora", replace(st, kind="qlora")))
    if st.seq > 2048:
        trials.append((f"training.sequence_length {st.seq // 2}", replace(st, seq=st.seq // 2)))
    for label, trial in trials:
        if search(trial, gpus).best is not None:
            out.append(label)
    need = min_gpus_for_memory(st)
    if need is not None and need > gpus:
        out.append(f"at least {need} GPUs")
    return out


def _with(st: TrainingSetup, **changes: Any) -> TrainingSetup:
    return replace(st, spec=replace(st.spec, **changes))


def refusal(st: TrainingSetup, gpus: int, field: str) -> SizingInputError:
    """Why nothing fits on ``gpus`` GPUs, naming levers that were checked to help."""
    helps = levers(st, gpus)
    hint = (
        f"; what helps: {', '.join(helps)}"
        if helps
        else "; no layout, ZeRO stage or recompute fits"
    )
    return SizingInputError.single(
        field,
        f"{gpus} {st.gpu.name} GPUs cannot hold {st.model.name} for {st.kind} at sequence "
        f"{st.seq} in any layout (TP, CP, PP, DP, ZeRO 0-3, recompute){hint}",
    )


@dataclass(frozen=True)
class Faster:
    """The answer of the same run sized on the same GPUs and nodes over a fabric whose links are
    no slower (InfiniBand for an Ethernet sizing): every layout is at most as fast here, so
    every node count below ``nodes`` misses the deadline here too; ``layout`` (its best)
    warm-starts the search, and the memory-only work of its ``setup`` is shared (with
    ``memory_gpus``, the fewest GPUs that hold the model)."""

    nodes: int
    layout: Layout
    setup: TrainingSetup
    memory_gpus: int


def no_slower(fast: TrainingSetup, slow: TrainingSetup) -> bool:
    """Every link of ``fast`` at least as fast as ``slow``'s (same GPU, node size, model and
    inputs, only the fabric differing): InfiniBand vs Ethernet at the same Gb/s per GPU,
    with an efficiency no lower and a latency no higher (the default assumptions; an edited
    assumption that makes Ethernet better turns this off)."""
    a, b = fast.links, slow.links
    return (
        (fast.fabric, slow.fabric) == ("infiniband", "ethernet")
        and fast.gpus_per_node == slow.gpus_per_node
        and a == b
        and a.ethernet_efficiency <= a.infiniband_efficiency
        and a.ethernet_latency_us >= a.infiniband_latency_us
    )


def share_model(st: TrainingSetup, other: TrainingSetup) -> bool:
    """Let ``st``'s searches use ``other``'s GPU-independent work when the two runs differ
    only in the GPU (and the fabric, node size and efficiencies that come with it): the
    memory model's byte tables (``MemoryModel.share_bytes``; the fit threshold stays
    ``st``'s), the depth options per shallowest depth (``space.pp_options``: the stages'
    layers), the interleavings and stage depths (bounds.stage_depth), the parameters per
    GPU and the smaller DPs (the global batch). An automatic sizing's GPUs then compute them
    once (workplan.training_required). False (nothing shared) when anything else differs."""
    same = replace(other, gpu=st.gpu, fabric=st.fabric, gpus_per_node=st.gpus_per_node, eff=st.eff)
    if same != st:
        return False
    ctx, src = context(st), context(other)
    ctx.mem.share_bytes(src.mem)
    ctx.local = src.local
    ctx.pp_cache = src.pp_cache
    for name in ("idle_dps", "interleavings", "stage_depths"):
        ctx.memo[name] = src.memo.setdefault(name, {})
    return True


def required(
    st: TrainingSetup,
    target_days: float,
    faster: Faster | None = None,
    guess_from: Layout | None = None,
) -> tuple[TrainingOutcome, int, int]:
    """Fewest whole nodes whose best layout meets the deadline; (outcome, node counts
    searched, fewest GPUs for memory). With ``faster`` (a sizing on no slower links), the
    counts below its answer are known to miss: the search starts at its answer. With
    ``guess_from`` (without ``faster``: another GPU's answer layout in an automatic sizing), the
    first count is where that layout, re-shaped here, reaches the need, decided first.

    The answer is a count N whose best layout meets the deadline with N − 1 proven to miss
    (a decision search: no layout reaches the tokens/s needed, or a bound shows it), found
    from exact figures only, so it never depends on what a decision search happened to
    cost on its way (docs/sizing-engine.md "Size mode's node count"). Going up, each count
    is searched for its exact best only (``search(best_only=True)``; the answer's
    runners-up are searched where its result is reported), whose layout re-shaped guesses
    the next count (``_hint_nodes``); from the first count that meets the search steps
    down while counts meet (a count that meets is decided at its warm start; a miss must
    be proven)."""
    gpn = st.gpus_per_node
    need_gpus = min_gpus_for_memory(st) if faster is None else faster.memory_gpus
    if need_gpus is None:
        raise refusal(st, MEMORY_SEARCH_GPUS, "model")
    ideal = (
        run_tokens(st)
        * _ideal_flops_per_token(st)
        / (target_days * 86400 * st.peak * st.matmul_eff * st.assumptions.goodput)
    )
    # tokens/s that meets the deadline: counts after the first are only decided against it
    need = run_tokens(st) / ((target_days + 1e-9) * 86400 * st.assumptions.goodput)
    memory_nodes = max(1, math.ceil(need_gpus / gpn - 1e-9))
    if faster is not None:  # before the group bounds: they read the shared per-layer costs
        share_memory(context(st), context(faster.setup))
        context(st).faster = context(faster.setup)
    # every count up to ``low`` misses: fewer GPUs than the memory needs hold no layout, and
    # no group's bound reaches the need (bounds.groups: linear in the GPU count)
    low = max(memory_nodes - 1, _bound_misses(st, need))
    nodes = max(memory_nodes, math.ceil(ideal / gpn - 1e-9))
    if faster is not None:
        low = max(low, faster.nodes - 1)
        nodes = max(nodes, faster.nodes)
        context(st).hint = faster.layout
    nodes = max(nodes, low + 1)
    guessed = faster is not None  # ``nodes`` guessed: decide it before searching its best
    if faster is None and guess_from is not None:
        # Where another GPU's answer layout, re-shaped here, reaches the need: the best
        # layout there is at least as fast, so that count most often meets and is only
        # decided (instead of searching a cold first count's best, then guessing from it).
        # The answer is the same as without the guess: the guess only chooses which count
        # is decided first. It is still N meeting (its exact best) with N - 1 proven to miss
        # (a decision search, or a bound): with meets(n) monotone in n that N is the fewest
        # nodes that meet, whichever counts were decided on the way (a guess that misses is
        # a proven miss, and the search goes up from it as from any miss).
        # A guess above twice the first count is not taken: there the layout re-shaped
        # scales badly on this GPU (its DP capped by the global batch, or the wrong depth
        # here), and stepping down from it decides more counts than a cold start searches.
        first = _hint_nodes(st, guess_from, need, low)
        if first is not None and first <= 2 * nodes:
            nodes, guessed = max(nodes, first), True
            context(st).hint = guess_from
    searched: set[int] = set()

    def meets(o: TrainingOutcome | None) -> bool:
        return o is not None and o.days <= target_days + 1e-9

    high = 0  # the fewest nodes known to meet (0: none found yet)
    jump = 0  # the first count to decide below ``high`` (0: ``high`` − ``stride``)
    stride = 1  # how far below ``high`` to decide next (0: halve the gap to ``low``)
    points: list[tuple[int, float]] = []  # exact best days of the counts searched going up
    for _ in range(256):
        if high:
            if high - 1 <= low:  # the answer: its best (memoised when searched so)
                best = outcome(st, high * gpn, best_only=True)
                if meets(best):
                    assert best is not None
                    return best, len(searched), need_gpus
                low, high = high, 0  # never seen: a decision disagreed with the full search
                nodes = low + 1
                continue
            # step down, decided against the need alone: to where the best layout of the
            # first count that met, re-shaped, still meets (once), then 1, 2, 4 ... nodes
            # lower while counts meet, then halving the gap to the last miss
            if low < jump < high:
                nodes = jump
            elif stride:
                nodes = max(low + 1, high - stride)
            else:
                nodes = (low + high) // 2
            jump = 0
            searched.add(nodes)
            if meets(outcome(st, nodes * gpn, need)):
                high = nodes
                stride *= 2
            else:
                low, stride = nodes, 0
            continue
        searched.add(nodes)
        if guessed:
            # a count guessed from an exact best layout (this run's, or another GPU's answer
            # re-shaped) or the faster links' answer (warm-started by its layout): decided
            # first, since it most often meets
            guessed = False
            if meets(outcome(st, nodes * gpn, need)):
                high, stride = nodes, 1
                continue
            low = nodes
            if faster is not None and len(searched) == 1:
                nodes = min(MAX_NODES, _hint_nodes(st, faster.layout, need, low) or low + 1)
                guessed = True
            continue  # else its exact best next, to guess from
        # going up: the count's exact best (only the best: when it meets with the count
        # below known to miss it is the answer, whose runners-up are searched only where
        # its result is reported, api._gpu_plan)
        o = outcome(st, nodes * gpn, best_only=True)
        if o is not None:
            points.append((nodes, o.days))
        if meets(o):
            assert o is not None
            high, stride = nodes, 1
            jump = _hint_nodes(st, o.best.layout, need, low) or 0
            continue
        low = nodes
        _check_plateau(points, target_days, o)
        if nodes >= MAX_NODES:
            fastest = (
                ""
                if o is None
                else f"; {MAX_NODES} nodes need {o.days:.1f} days ({o.result.binding})"
            )
            raise SizingInputError.single(
                "training.target_days",
                f"{target_days:g} days cannot be met on up to {MAX_NODES} nodes{fastest}",
            )
        guess = _next_guess(nodes, o, target_days, points)
        hinted = None if o is None else _hint_nodes(st, o.best.layout, need, low)
        if hinted is not None:
            guess = hinted
        if len(points) >= 2 and points[-1][1] > 0.99 * points[-2][1]:
            guess = max(guess, 2 * nodes)  # barely faster: double, so a plateau shows
        nodes, guessed = min(MAX_NODES, max(guess, low + 1)), True
    quickest = min(points, key=lambda p: p[1]) if points else None
    found = (
        f": the fastest layout found needs {quickest[1]:.2f} days on {quickest[0]} nodes"
        if quickest
        else ""
    )
    raise SizingInputError.single(
        "training.target_days",
        f"{target_days:g} days cannot be met{found}; relax the deadline or raise "
        "training.global_batch_size",
    )


def _bound_misses(st: TrainingSetup, need: float) -> int:
    """The most nodes on which no group bound reaches ``need`` tokens/s (0: none), so every
    count up to it misses: the largest group bound only grows with the GPU count."""
    gpn = st.gpus_per_node
    ranked = groups(context(st), MEMORY_SEARCH_GPUS)
    if not ranked:
        return 0
    per_node = ranked[0][0] / MEMORY_SEARCH_GPUS * gpn  # the best group's bound per node
    n = max(0, math.ceil(need / per_node) - 1) if per_node > 0 else MAX_NODES
    n = min(n, MAX_NODES)
    while n >= 1 and not _misses(st, n * gpn, need):
        n -= 1
    while n < MAX_NODES and _misses(st, (n + 1) * gpn, need):
        n += 1
    return n


def _misses(st: TrainingSetup, gpus: int, need: float) -> bool:
    """No layout on ``gpus`` GPUs reaches ``need`` tokens/s: the largest group bound
    (bounds.groups, an upper bound of every layout's tokens/s) is below it."""
    ranked = groups(context(st), gpus)
    return not ranked or ranked[0][0] < need


def _hint_nodes(st: TrainingSetup, lay: Layout, need: float, low: int) -> int | None:
    """Fewest nodes above ``low`` on which ``lay`` (a search's best), re-shaped (more DP),
    reaches ``need`` tokens/s: a cheap guess, since the best layout there is at least as
    fast; None when it never does (the global batch caps its DP first)."""
    ctx, gpn = context(st), st.gpus_per_node

    def rate(n: int) -> float:
        got = reshape(ctx, lay, n * gpn)
        return 0.0 if got is None else step_time(ctx, got).tokens_per_s

    hi, last = low + 1, 0.0
    while True:
        r = rate(hi)
        if r >= need:
            break
        if hi >= MAX_NODES or (last and r <= last * 1.0001):
            return None
        last, hi = r, min(MAX_NODES, 2 * hi)
    lo = max(low, hi // 2)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if rate(mid) >= need:
            hi = mid
        else:
            lo = mid
    return hi


def _check_plateau(
    points: list[tuple[int, float]], target: float, o: TrainingOutcome | None
) -> None:
    """Refuse when doubling the nodes no longer shortens the run (the global batch or the
    communication binds), naming what binds instead of growing the cluster forever."""
    if o is None or len(points) < 2:
        return
    n2, d2 = points[-1]
    for n1, d1 in points[:-1]:
        if n2 >= 2 * n1 and d2 > 0.95 * d1:
            raise SizingInputError.single(
                "training.target_days",
                f"{target:g} days cannot be met: the fastest layout needs {d2:.1f} days on "
                f"{n2} nodes and more nodes do not help ({o.result.binding}); relax the "
                f"deadline or raise training.global_batch_size",
            )


def _next_guess(
    nodes: int, o: TrainingOutcome | None, target: float, points: list[tuple[int, float]]
) -> int:
    """Next node count: fit days = a + b/n through the last two points (scaling losses make
    a > 0), or scale linearly from one point."""
    if o is None:
        return nodes * 2
    if len(points) >= 2 and points[-1][0] != points[-2][0]:
        (n1, d1), (n2, d2) = points[-2], points[-1]
        b = (d1 - d2) / (1.0 / n1 - 1.0 / n2)
        a = d1 - b / n1
        if b > 0 and target > a:
            return math.ceil(b / (target - a) - 1e-9)
    return math.ceil(nodes * o.days / target - 1e-9)


def _ideal_flops_per_token(st: TrainingSetup) -> float:
    s = st.s
    return (4.0 if st.lora else 6.0) * s.active + 6.0 * st.seq * s.hidden * s.layers
