"""The cluster side of a sizing, kept across sizings of the same cluster (issue 16).

Node, cluster, build-out but storage, BoM, conformance differences, their explanations and
warnings are functions of the catalog, the GPU, fabric and node count and the workload's
fields outside its inference and training sections. ``cluster_side`` keeps them per catalog
snapshot so that sizings of one cluster for different loads (the API's distinct workloads:
the same node for another prompt length) build them once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import fields
from operator import attrgetter
from typing import Any

from . import frozen, once
from .bom import BomLine, build_bom
from .buildout import Buildout, cluster_buildout, fabric_cables
from .cabling import CablePlan
from .catalog import CatalogSnapshot, Gpu, LlmModel
from .cluster import ClusterPlan, Fabric, place_chosen, place_cluster, plan_cluster
from .conformance import differences
from .errors import SizingInputError
from .explain import Explainer, Explanation
from .floor import Floor
from .node import NodePlan, plan_node
from .summary import fixed_summary
from .workload import Workload

SIDES_KEPT = 256  # cluster sides kept per catalog snapshot (least recently used first out)
# The workload's fields a side is kept by: all but its inference and training sections, read
# as one tuple (issue 16: a copy of the workload without them cost a 25-field dict and its
# generated hash every sizing)
_side_fields = attrgetter(
    *(f.name for f in fields(Workload) if f.name not in ("inference", "training"))
)
_sides_lock = threading.Lock()


def cluster_side(
    catalog: CatalogSnapshot, w: Workload, gpu: Gpu, fabric: str, nodes: int, placed: bool
) -> ClusterSide:
    """The cluster side of ``nodes`` nodes of ``gpu`` on ``fabric`` for ``w``, kept on the
    catalog snapshot (a new catalog revision is a new snapshot: nothing is shared across
    revisions) by everything of the workload but its inference and training sections — its
    model, assumptions, deployment, fabric design, redundancy, cooling, storage and TCO inputs
    included — with the GPU, fabric, node count and placement. Node, cluster, build-out (but
    storage), BoM, conformance, their explanations and warnings read nothing else (issue 16:
    sizings of one cluster for different loads, e.g. the API's distinct workloads, build the
    same cluster side; `tests/sizing_engine/test_cluster_side.py` checks a kept side gives
    the answer a fresh one does)."""
    key = _SideKey((_side_fields(w), gpu.slug, fabric, nodes, placed))
    sides: OrderedDict[Any, ClusterSide] | None = catalog.__dict__.get("_cluster_sides")
    if sides is None:
        sides = catalog.__dict__.setdefault("_cluster_sides", OrderedDict())
    side = sides.get(key)
    if side is not None:
        with _sides_lock:
            try:
                sides.move_to_end(key)  # least recently used out first
            except KeyError:  # another thread's sizing pushed it out meanwhile
                pass
        return side
    side = ClusterSide(catalog, w, gpu, fabric, nodes, placed)
    side.racks  # noqa: B018 - may refuse (fabric limits): a refused cluster is not kept
    with _sides_lock:
        sides[key] = side
        while len(sides) > SIDES_KEPT:
            sides.popitem(last=False)
    return side


class _SideKey:
    """A kept side's key, hashed once (issue 16: the workload part is a 25-field dataclass, and
    a lookup hashed it two or three times); equal when the keyed values are."""

    __slots__ = ("key", "hash")

    def __init__(self, key: tuple[Any, ...]) -> None:
        self.key = key
        self.hash = hash(key)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SideKey) and self.hash == other.hash and self.key == other.key


class ClusterSide:
    """What a sizing builds from its cluster alone: node, cluster (placed when asked for),
    build-out but storage, BoM, conformance differences, their explanations and warnings.
    Read-only once built: sizings of the same cluster share it (``cluster_side``)."""

    def __init__(
        self,
        catalog: CatalogSnapshot,
        w: Workload,
        gpu: Gpu,
        fabric: str,
        nodes: int,
        placed: bool,
    ) -> None:
        self.catalog, self.w, self.gpu, self.fabric, self.nodes = catalog, w, gpu, fabric, nodes
        self.spare = 1 if w.redundancy == "n+1" else 0
        self.node = plan_node(catalog, w, gpu, fabric, nodes)
        self.placed = placed

    @once.cached_property
    def racks(self) -> ClusterPlan:
        """The cluster as planned (placed or not)."""
        return _plan_cluster(self.catalog, self.w, self.node, self.nodes, self.fabric, self.placed)

    @once.cached_property
    def chosen(self) -> tuple[Fabric, Floor]:
        """The chosen compute design placed on the floor (link groups) and its floor."""
        racks = self.racks
        if racks.floor is None:
            return place_chosen(racks, self.w.assumptions)
        return racks.compute, racks.floor

    @once.cached_property
    def cluster(self) -> ClusterPlan:
        """The cluster with its fabrics placed on the floor (link groups, floor)."""
        if self.racks.floor is None:
            return place_cluster(self.racks, self.w.assumptions, self.chosen)
        return self.racks

    @once.cached_property
    def cables(self) -> tuple[CablePlan, CablePlan | None]:
        """The cable plans of the chosen compute design and of the DPU network."""
        return fabric_cables(self.catalog, self.chosen[0], self.racks.dpu)

    @once.cached_property
    def built(self) -> Buildout:
        """Cable plans, designs and facility (the summary without storage)."""
        return cluster_buildout(self.catalog, self.w, self.node, self.cluster, self.cables)

    @once.cached_property
    def bom(self) -> tuple[BomLine, ...]:
        """The bill of materials (one tuple: every result of the side holds this very one).
        It reads the racks, the fabrics' counts and the cables (the placement only through
        their lengths), neither the other design nor the build-out, so a priced candidate
        that an automatic sizing does not choose (auto._price) places its chosen design only."""
        a = self.w.assumptions
        racks = self.racks
        if racks.floor is None:
            racks = frozen.replace(racks, compute=self.chosen[0], floor=self.chosen[1])
        return tuple(
            build_bom(
                self.catalog,
                self.node,
                racks,
                self.w.deployment,
                (a.node_mgmt_cable_m, a.mgmt_cable_same_rack_m, a.mgmt_cable_cross_rack_m),
                self.cables,
            )
        )

    @once.cached_property
    def bom_json(self) -> tuple[dict[str, object], ...]:
        """Each BoM line's ``as_json()``, in order: every result of the side lists these
        (``SizingResult.to_dict``) without a call per line (~70 on one node)."""
        return tuple(line.as_json() for line in self.bom)

    @once.cached_property
    def diffs(self) -> list[dict[str, object]]:
        """The named differences from the matching seed configuration."""
        w, node = self.w, self.node
        return differences(
            self.gpu.slug, self.nodes, self.fabric, w.deployment, node.profile.slug, self.bom
        )

    @once.cached_property
    def explained(self) -> tuple[tuple[Explanation, ...], tuple[Explanation, ...]]:
        """The explanations of the node and cluster, and of the build-out but storage."""
        w, cluster = self.w, self.cluster
        ex = Explainer()
        _explain_cluster(ex, w, self.node, cluster, self.nodes, self.spare)
        first = len(ex.items)
        _explain_buildout(ex, w, cluster, self.built.summary)
        return tuple(ex.items[:first]), tuple(ex.items[first:])

    @once.cached_property
    def explained_json(self) -> tuple[dict[str, Any], ...]:
        """Each of ``explained``'s explanations' ``as_json()``, both parts in order: every
        result of the side lists them together (``SizingResult.to_dict``) without a call per
        explanation (~20 on one node)."""
        return tuple(e.as_json() for part in self.explained for e in part)

    def summary(self, model: LlmModel, version: str) -> dict[str, Any]:
        """The summary's keys but the GPU plan's (summary.fixed_summary), made once: ``model``
        is the workload's (its slug or custom model is part of the side's key)."""
        kept: dict[str, Any] | None = self.__dict__.get("_summary")
        if kept is None:
            kept = fixed_summary(
                self.w, model, self.node, self.cluster, self.diffs, self.spare, version
            )
            self.__dict__["_summary"] = kept
        return kept

    @once.cached_property
    def warnings(self) -> list[str]:
        """The cluster's and the build-out's warnings."""
        return _cluster_warnings(self.w, self.node, self.cluster, self.gpu) + self.built.warnings


def _plan_cluster(
    catalog: CatalogSnapshot,
    w: Workload,
    node: NodePlan,
    nodes: int,
    fabric: str,
    placed: bool = True,
) -> ClusterPlan:
    """The cluster for ``nodes``; in size mode a fabric limit is blamed on the input that
    drove the node count (the deadline or the users), since the user gave no node count."""
    try:
        return plan_cluster(
            catalog,
            node,
            nodes,
            fabric,
            w.assumptions,
            w.fabric_design,
            w.oversubscription,
            placed,
        )
    except SizingInputError as exc:
        if w.capacity_mode or "nodes" not in exc.field_errors:
            raise
        driver = "inference.concurrent_users" if w.kind == "inference" else "training.target_days"
        reason = "; ".join(exc.field_errors["nodes"])
        raise SizingInputError.single(
            driver, f"needs {nodes} nodes: {reason}; relax this target"
        ) from exc


def _explain_cluster(
    ex: Explainer, w: Workload, node: NodePlan, cluster: ClusterPlan, nodes: int, spare: int
) -> None:
    from .explain_cluster import explain_cluster

    explain_cluster(ex, w, node, cluster, nodes, spare)


def _explain_buildout(
    ex: Explainer, w: Workload, cluster: ClusterPlan, fixed: dict[str, Any]
) -> None:
    from .explain_cluster import explain_cluster_buildout

    explain_cluster_buildout(ex, w, cluster, fixed)


def _cluster_warnings(w: Workload, node: NodePlan, cluster: ClusterPlan, gpu: Gpu) -> list[str]:
    out = []
    if gpu.reference:
        out.append(
            f"{gpu.name} is reference hardware for comparison with published results; "
            f"the BoM is not "
            f"orderable in this architecture."
        )
    budget = w.assumptions.rack_power_budget_kw * 1000
    for kind in cluster.rack_kinds:  # a few kinds; the racks only when one is over
        if kind.power_w > budget:
            for index, draw in enumerate(cluster.rack_draws, 1):
                if draw > budget:
                    out.append(
                        f"Rack {index} draws {draw / 1000:.1f} kW, above the "
                        f"{w.assumptions.rack_power_budget_kw:g} kW budget."
                    )
            break
    if node.fabric_gbps_per_gpu < 200:
        out.append("Less than 200 Gb of compute fabric per GPU (seed design recommendation).")
    return out
