"""The serving layout search: the cheapest layout meeting the per-user speed and first-token
targets, and the reason it was chosen; precise errors when nothing fits or meets the targets.

Size mode: for every layout (TP × PP × EP × attention DP, see layout.py) the largest batch
meeting memory and both targets gives replicas = ⌈users ÷ batch⌉ and GPUs = replicas × GPUs per
replica; the fewest GPUs win, then fewer nodes per replica, then smaller TP. A model that fits
(and meets the targets) within one node is never spread over more nodes than it needs: layouts
spanning more nodes than the smallest that works are not considered.
Capacity mode: the layout serving the most users on the given GPUs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .. import frozen
from ..catalog import Gpu, LlmModel
from ..errors import SizingInputError
from ..hardware import GB, bytes_per_param, peak_flops
from ..spec import PRECISIONS, Assumptions, InferenceInput
from .layout import Layout, candidates
from .replica import KEPT_STEPS, MARGIN, Replica, ServingSetup, fit, memory_inputs, memory_rows
from .replica import fitting as fitting_replicas
from .replica import replica_for as _replica


def kv_precision_for(precision: str, spec: InferenceInput, gpu: Gpu) -> str:
    """KV precision: the input's; else fp8 with fp8 weights on a GPU with FP8; else bf16."""
    if spec.kv_cache_precision:
        return spec.kv_cache_precision
    return "fp8" if precision == "fp8" and peak_flops(gpu, "fp8") else "bf16"


def setup_for(
    model: LlmModel,
    gpu: Gpu,
    precision: str,
    spec: InferenceInput,
    assumptions: Assumptions,
    fabric: str,
) -> ServingSetup:
    """The serving setup; SizingInputError when FP8 KV is asked of a GPU without FP8."""
    kv = kv_precision_for(precision, spec, gpu)
    if kv == "fp8" and not peak_flops(gpu, "fp8"):
        raise SizingInputError.single(
            "inference.kv_cache_precision",
            f"{gpu.name} has no FP8 support; choose bf16, fp16 or int8",
        )
    values = {  # ServingSetup(...) without the frozen __init__ (engine/frozen.py)
        "model": model,
        "gpu": gpu,
        "precision": precision,
        "kv_precision": kv,
        "spec": spec,
        "assumptions": assumptions,
        "fabric": fabric,
    }
    return frozen.build(ServingSetup, values)


def replicas_for(s: ServingSetup, gpn: int) -> list[Replica]:
    """A replica per candidate layout (fixed degrees in the input filter them)."""
    return [_replica(s, lay) for lay in layouts_for(s, gpn)]


def layouts_for(s: ServingSetup, gpn: int) -> tuple[Layout, ...]:
    """The candidate layouts (fixed degrees in the input filter them); a precise error when
    none is left."""
    a, spec = s.arch, s.spec
    layouts = _candidates(
        a.heads,
        a.layers,
        a.is_moe,
        gpn,
        spec.tensor_parallel,
        spec.pipeline_parallel,
        spec.expert_parallel,
    )
    if not layouts:
        raise SizingInputError.single(
            "inference.tensor_parallel",
            f"no layout has TP {spec.tensor_parallel or 'any'} × PP "
            f"{spec.pipeline_parallel or 'any'} on {gpn}-GPU nodes for {s.model.name} "
            f"({a.heads} heads): TP must be a power of two dividing the heads and at most "
            f"{gpn}; a replica fills whole nodes or divides one",
        )
    return layouts


@lru_cache(maxsize=512)
def _candidates(
    heads: int, layers: int, moe: bool, gpn: int, tp: int | None, pp: int | None, ep: str | None
) -> tuple[Layout, ...]:
    """``candidates`` kept per process: they depend only on the model's shape and the fixed
    degrees, and building them is a third of a one-node search (issue 16)."""
    return tuple(candidates(heads, layers, moe, gpn, tp=tp, pp=pp, ep=ep))


@dataclass(frozen=True)
class Choice:
    """The chosen replica layout, how many replicas, and why."""

    replica: Replica
    replicas: int
    batch: int
    why: str
    considered: int


def _order(r: Replica) -> tuple[int, int, int]:
    return (r.layout.nodes, r.layout.tp, r.layout.pp)


def _fewest_nodes(options: list[Replica]) -> list[Replica]:
    """The working layouts (one user fits and meets the targets) of the fewest nodes per
    replica; layouts of more nodes are not evaluated at all."""
    for nodes in sorted({r.layout.nodes for r in options}):
        allowed = [r for r in options if r.layout.nodes == nodes and r.works]
        if allowed:
            return allowed
    return []


def choose_for_users(s: ServingSetup, gpn: int, users: int) -> Choice:
    """Fewest GPUs serving ``users`` at the targets (size mode)."""
    options = replicas_for(s, gpn)
    allowed = _fewest_nodes(options)
    if not allowed:
        raise no_fit_error(s, options)
    fewest_nodes = allowed[0].layout.nodes
    best = _fewest_gpus(allowed, users)
    replicas = math.ceil(users / best.max_batch)
    why = (
        f"{best.layout.label()} serves {best.max_batch} users per replica at the targets; "
        f"{replicas} replicas × {best.layout.gpus} GPUs is the fewest GPUs among "
        f"{len(allowed)} layouts of {fewest_nodes} node(s) per replica"
        + (
            f" (the smallest replica that holds the model and meets the targets spans "
            f"{fewest_nodes} nodes)"
            if fewest_nodes > 1
            else ""
        )
    )
    return Choice(best, replicas, best.max_batch, why, len(options))


def _fewest_gpus(allowed: list[Replica], users: int) -> Replica:
    """The layout of the fewest GPUs for ``users`` (ties: fewer nodes, smaller TP, smaller PP,
    then the first listed), with the batch search run only where it can change the answer.

    A layout's GPUs are ⌈users ÷ max batch⌉ × its GPUs, and its max batch is at most its memory
    batch: the layouts are visited by that lower bound, and a layout whose bound cannot beat
    the best so far is skipped. Otherwise one target check at the smallest batch that would
    beat it (``Replica.serves``) decides whether the full batch search is worth running."""

    def key(i: int, batch: int) -> tuple[int, tuple[int, int, int], int]:
        r = allowed[i]
        return math.ceil(users / batch) * r.layout.gpus, _order(r), i

    ranked = sorted(range(len(allowed)), key=lambda i: key(i, allowed[i].memory_batch))
    best = key(ranked[0], allowed[ranked[0]].max_batch)
    for i in ranked[1:]:
        if key(i, allowed[i].memory_batch) >= best:
            break  # no later layout's bound beats the best either
        r = allowed[i]
        gpus, rest = best[0], best[1:]
        replicas = gpus // r.layout.gpus if (_order(r), i) < rest else (gpus - 1) // r.layout.gpus
        if replicas < 1 or not r.serves(math.ceil(users / replicas)):
            continue
        best = min(best, key(i, r.max_batch))
    return allowed[best[2]]


def choose_for_gpus(s: ServingSetup, gpn: int, gpus: int) -> Choice:
    """The layout serving the most users on ``gpus`` GPUs (capacity mode)."""
    layouts = layouts_for(s, gpn)
    best = _most_users_kept(s, layouts, gpus)
    if best is None:
        best = _most_users(_fitting(s, layouts, gpus, gpn), gpus)
    replicas = gpus // best.layout.gpus
    why = (
        f"{best.layout.label()} serves the most users on {gpus} GPUs ({replicas} replicas × "
        f"{best.max_batch} users at the targets), the fastest per user among those that do"
    )
    return Choice(best, replicas, best.max_batch, why, len(layouts))


def _fitting(s: ServingSetup, layouts: tuple[Layout, ...], gpus: int, gpn: int) -> list[Replica]:
    """The replicas that fit ``gpus`` GPUs and hold one sequence; a precise error if none."""
    fitting = fitting_replicas(s, layouts, gpus)
    if not fitting:
        options = [Replica(s, lay) for lay in layouts]
        if any(r.memory_batch >= 1 for r in options):
            need = min(r.layout.gpus for r in options if r.memory_batch >= 1)
            raise SizingInputError.single(
                "nodes",
                f"{s.model.name} at {s.precision} needs at least {need} GPUs "
                f"({math.ceil(need / gpn)} node(s)) per replica; this cluster has {gpus}",
            )
        raise no_fit_error(s, options)
    return fitting


def _most_users(fitting: list[Replica], gpus: int) -> Replica:
    """The layout serving the most users on ``gpus`` GPUs (ties: faster per user, fewer nodes,
    smaller TP, smaller PP, then the first listed). Users = replicas × max batch ≤ replicas × memory
    batch: layouts are visited by that bound, and the batch search runs only on a layout that
    can still serve at least as many users as the best so far."""

    replicas = [gpus // r.layout.gpus for r in fitting]
    bounds = [n * r.memory_batch for n, r in zip(replicas, fitting, strict=True)]

    def key(i: int) -> tuple[int, float, int, tuple[int, int, int], int]:
        r = fitting[i]
        batch = r.max_batch
        speed = r.user_rate(batch) if batch else 0.0
        return replicas[i] * batch, round(speed, 6), -r.layout.nodes, _neg(_order(r)), -i

    ranked = sorted(range(len(fitting)), key=bounds.__getitem__, reverse=True)
    # First the layout that served the most users in the last sizing of this setup, when it
    # is a candidate (``_Kept.served``, the same kept object: ``_candidates``; a hint: the
    # best is the best whichever comes first, but the better the first, the fewer layouts
    # need their batch search), else the first by bound.
    kept = fitting[0].s.kept
    first = next((i for i in ranked if fitting[i].layout is kept.served), ranked[0])
    best = key(first)
    for i in ranked:
        if i == first:
            continue
        if bounds[i] < best[0]:
            break  # no later layout can serve as many users
        if not fitting[i].serves(math.ceil(best[0] / replicas[i])):
            continue
        best = max(best, key(i))
    chosen = fitting[-best[4]]  # the index, negated in the key
    kept.served = chosen.layout
    return chosen


def _most_users_kept(s: ServingSetup, layouts: tuple[Layout, ...], gpus: int) -> Replica | None:
    """``_most_users`` of the layouts that fit, when the layout that served the most users in
    the last sizing of this setup fits again (else None: the full path). That layout's key
    first, then every other layout is ruled out as cheaply as it can be: by a kept miss at
    the smallest batch that would serve as many users (``Replica.serves``' ``_Kept.misses``,
    read before its memory: issue 16, the API's distinct workloads rule most layouts out
    this way), by its memory bound, or by one target check (``serves``). Each ruled-out
    layout serves fewer users than the best so far, so fewer than the final best (the memory
    batch, like the rate, only falls as the prompt grows: a layout whose memory bound at a
    shorter prompt is below the best is ruled out without its memory, ``_Kept.memory``): the answer
    is the same maximum of the key over the fitting layouts that ``_most_users`` finds (the
    key's index is the layout's, in the same order as the fitting list's)."""
    kept = s.kept
    served = kept.served
    rows = memory_rows(s, layouts, gpus)
    j0 = next((j for j, row in enumerate(rows) if row.layout is served), None)
    if j0 is None:
        return None
    inputs = memory_inputs(s)
    first = fit(s, rows[j0], gpus, inputs)
    if first is None:
        return None

    def key(r: Replica, j: int) -> tuple[int, float, int, tuple[int, int, int], int]:
        batch = r.max_batch
        speed = r.user_rate(batch) if batch else 0.0
        users = (gpus // r.layout.gpus) * batch
        return users, round(speed, 6), -r.layout.nodes, _neg(_order(r)), -j

    spec = s.spec
    prompt, target = spec.prompt_tokens, spec.target_tokens_per_s_per_user * MARGIN
    output, chunk = spec.output_tokens, s.chunk
    # Read once, not per row (~11 rows a one-node sizing: 1.035 -> 1.025 M instructions).
    misses, memories, steps = kept.misses, kept.memory, (output, chunk)
    chosen, best = first, key(first, j0)
    for j, row in enumerate(rows):
        if j == j0:
            continue
        layout = row.layout
        replicas = gpus // row.gpus
        need = math.ceil(best[0] / replicas)
        seen = misses.get(layout)
        if need >= 1 and seen is not None:
            miss = seen.get((need, output, chunk))
            if miss is not None and miss[0] <= prompt and miss[1] < target:
                continue  # misses the rate at ``need`` (``serves``' first check)
        memory = memories.get(layout)
        known = None if memory is None else memory.get(steps)
        if known is not None and known[0] <= prompt and replicas * (known[1] + 1) < best[0]:
            continue  # its memory bound at a shorter prompt (+1: the floor's rounding)
        r = fit(s, row, gpus, inputs)
        batch = 0 if r is None else r.memory_batch
        if known is None or prompt < known[0]:  # the shortest covers most
            if memory is None:
                memory = memories.setdefault(layout, {})
            elif len(memory) >= KEPT_STEPS:
                memory.clear()
            memory[steps] = (prompt, batch)
        if r is None or replicas * batch < best[0] or not r.serves(need):
            continue
        candidate = key(r, j)
        if candidate > best:
            chosen, best = r, candidate
    kept.served = chosen.layout
    return chosen


def _neg(t: tuple[int, int, int]) -> tuple[int, int, int]:
    return (-t[0], -t[1], -t[2])


def no_fit_error(s: ServingSetup, options: list[Replica]) -> SizingInputError:
    """Why no layout works: memory (with the precisions that would fit, never the chosen one)
    or the targets (naming the one that fails, with what the best layout gives one user)."""
    spec = s.spec
    fitting = [r for r in options if r.memory_batch >= 1]
    if not fitting:
        widest = max(options, key=lambda r: r.layout.gpus)
        lower = [
            p
            for p in PRECISIONS
            if peak_flops(s.gpu, p) is not None
            and bytes_per_param(p, s.assumptions) < s.bytes_per_weight
            and s.weights_at(p) / widest.layout.gpus
            < widest.kv_room_per_gpu + widest.weights_per_gpu
        ]
        hint = (
            f"; at {' or '.join(lower)} it may fit"
            if lower
            else "; no lower precision fits either"
            if s.precision != "int4"
            else ""
        )
        return SizingInputError.single(
            "model",
            f"{s.model.name} at {s.precision} ({s.weights_bytes / GB:,.0f} GB of weights) "
            f"with a {widest.sequence_tokens:,}-token sequence does not fit "
            f"{widest.layout.gpus} × {s.gpu.name} ({widest.layout.nodes} nodes, the largest "
            f"replica considered){hint}",
        )
    best_ttft = min(fitting, key=lambda r: r.ttft_s(1))
    best_rate = max(fitting, key=lambda r: r.user_rate(1))
    errors: dict[str, list[str]] = {}
    if best_ttft.ttft_s(1) > spec.target_ttft_s:
        errors["inference.target_ttft_s"] = [
            f"the fastest first token on {s.gpu.name} for a {spec.prompt_tokens:,}-token prompt "
            f"is {best_ttft.ttft_s(1):,.2f} s ({best_ttft.layout.label()}); allow at least that"
        ]
    if best_rate.user_rate(1) < spec.target_tokens_per_s_per_user:
        errors["inference.target_tokens_per_s_per_user"] = [
            f"{s.gpu.name} gives one user at most {best_rate.user_rate(1):,.1f} tokens/s "
            f"({best_rate.layout.label()}); ask for at most that"
        ]
    if not errors:  # each target is reachable, but not both by the same layout
        errors["inference.target_ttft_s"] = [
            f"no layout on {s.gpu.name} meets both targets at once; the fastest first token "
            f"({best_ttft.layout.label()}) gives {best_ttft.user_rate(1):,.1f} tokens/s"
        ]
    return SizingInputError(errors)
