"""Serving layouts of one replica: tensor parallel (TP) within a node, pipeline stages (PP)
within or across nodes, expert parallelism (EP) for MoE, and attention data parallelism with
experts over every GPU ("wide" EP, DeepSeek-style) — plus the links each uses.

A layout places the weights: non-expert weights (attention, dense MLPs, shared experts,
embeddings) are split over TP × PP and repeated in each attention data-parallel group; routed
experts are spread over every GPU of the replica in all three expert modes (none: each expert
tensor-sliced over the TP group; ep: whole experts over the TP group, all-to-all instead of the
MLP all-reduce; wide: whole experts over all GPUs of a multi-GPU replica, attention replicated
per TP group).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..catalog import Gpu
from ..collectives import Link
from ..hardware import LinkParams, fabric_link, gpu_link, group_link
from ..once import cached_property

EP_MODES = ("none", "ep", "wide")
MAX_NODES_PER_REPLICA = 16


@dataclass(frozen=True)
class Layout:
    """How one replica spreads a model over GPUs."""

    tp: int
    pp: int
    ep: str  # none | ep | wide
    dp_attn: int  # attention data-parallel groups (wide EP), else 1
    gpus_per_node: int

    @cached_property
    def gpus(self) -> int:
        """GPUs of one replica (kept: layouts are kept per process and read ~180 times a
        sizing)."""
        return self.tp * self.pp * self.dp_attn

    @cached_property
    def nodes(self) -> int:
        """Nodes one replica occupies."""
        return max(1, math.ceil(self.gpus / self.gpus_per_node))

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_hash", hash((self.tp, self.pp, self.ep, self.dp_attn, self.gpus_per_node))
        )

    def __hash__(self) -> int:
        """The generated hash of the fields, made with the layout: the layouts are kept per
        process and a sizing looks each up in the kept setup's dicts two to four times
        (``replica._Kept``); an attribute read, not a ``__dict__.get`` and a test (~24
        lookups a one-node sizing)."""
        return self._hash  # type: ignore[attr-defined,no-any-return]

    def label(self) -> str:
        """Short name, e.g. ``TP8 × PP2`` or ``TP1 × DP8 attention, EP8`` (made once per
        layout: a sizing shows its chosen layout's three times)."""
        kept: str | None = self.__dict__.get("_label")
        if kept is None:
            kept = self.__dict__["_label"] = self._label()
        return kept

    def _label(self) -> str:
        if self.ep == "wide":
            return f"TP{self.tp} × DP{self.dp_attn} attention, EP{self.gpus}"
        text = f"TP{self.tp}" + (f" × PP{self.pp}" if self.pp > 1 else "")
        return text + (f", EP{self.tp}" if self.ep == "ep" else "")

    def to_dict(self) -> dict[str, int | str]:
        """Plain data for results (a new dict)."""
        return {
            "tensor_parallel": self.tp,
            "pipeline_parallel": self.pp,
            "expert_parallel": self.ep,
            "attention_data_parallel": self.dp_attn,
            "gpus_per_replica": self.gpus,
            "nodes_per_replica": self.nodes,
            "label": self.label(),
        }


def _powers_of_two(limit: int) -> list[int]:
    out, n = [], 1
    while n <= limit:
        out.append(n)
        n *= 2
    return out


def _packs(gpus: int, gpn: int) -> bool:
    """A replica fills whole nodes or divides one (no replica straddles a node partly)."""
    return gpn % gpus == 0 if gpus <= gpn else gpus % gpn == 0


def candidates(
    heads: int,
    layers: int,
    is_moe: bool,
    gpn: int,
    *,
    tp: int | None = None,
    pp: int | None = None,
    ep: str | None = None,
) -> list[Layout]:
    """Every layout worth evaluating (fixed degrees filter them)."""
    tps = [t for t in _powers_of_two(gpn) if heads % t == 0]
    out: list[Layout] = []
    modes = ("none", "ep") if is_moe else ("none",)
    for t in tps:
        for p in range(1, min(layers, 8 * MAX_NODES_PER_REPLICA) + 1):
            g = t * p
            if g > gpn * MAX_NODES_PER_REPLICA:
                break
            if not _packs(g, gpn):
                continue
            out.extend(Layout(t, p, m, 1, gpn) for m in modes)
    if is_moe:
        for nodes in range(1, MAX_NODES_PER_REPLICA + 1):
            for t in tps:
                dp = nodes * gpn // t
                if dp > 1:
                    out.append(Layout(t, 1, "wide", dp, gpn))
    return [
        lay
        for lay in out
        if (tp is None or lay.tp == tp)
        and (pp is None or lay.pp == pp)
        and (ep is None or lay.ep == ep or (not is_moe and ep == "none"))
    ]


def tp_link(gpu: Gpu, layout: Layout, p: LinkParams) -> Link:
    """The link a TP group runs its all-reduces on (always within a node)."""
    return gpu_link(gpu, layout.tp, p)


def ep_link(gpu: Gpu, layout: Layout, fabric: str, p: LinkParams) -> Link:
    """The link of the expert all-to-all: the TP group's, or all GPUs across nodes (wide)."""
    if layout.ep == "wide":
        per_node = min(layout.gpus, layout.gpus_per_node)
        return group_link(gpu, per_node, layout.nodes, fabric, p)
    return gpu_link(gpu, layout.tp, p)


def pp_link(gpu: Gpu, layout: Layout, fabric: str, p: LinkParams) -> Link:
    """The link between pipeline stages: inside the node, or the compute fabric."""
    if layout.gpus <= layout.gpus_per_node:
        return gpu_link(gpu, layout.gpus, p)
    return fabric_link(fabric, p)
