"""Public entry point: ``size(data, catalog)`` — a workload in, an explained cluster and BoM out."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from functools import partial
from typing import Any

from . import once
from . import training as tr
from . import workplan as wp
from .auto import size_auto
from .bom import BomLine
from .buildout import with_storage
from .catalog import CatalogSnapshot, Gpu, LlmModel
from .cluster import ClusterPlan
from .collector import paused
from .errors import SizingInputError
from .explain import Explainer
from .explain_cluster import explain_storage
from .models.arch import ARCH_INT_FIELDS, ModelArch, simple_arch
from .node import choose_profile, gpus_per_node
from .precision import check_precision
from .result import SizingResult
from .side import ClusterSide, cluster_side
from .storage import storage
from .summary import power_kw, with_plan
from .workload import Workload, parse_workload

ENGINE_VERSION = "1.0.0"


def size(
    data: Mapping[str, Any],
    catalog: CatalogSnapshot,
    *,
    price_lookup: Mapping[str, Decimal] | None = None,
) -> SizingResult:
    """Size a workload (or evaluate a fixed cluster when ``nodes`` is given).

    ``data`` is the JSON input documented in docs/sizing-engine.md; ``price_lookup`` (part number
    -> unit list price) only annotates the automatic choice's alternatives with their list
    price: the choice itself is price-free (engine/auto.py). Raises SizingInputError with
    field-level messages for invalid or impossible input. The cyclic garbage collector is
    paused for the sizing (collector.paused: its passes free nothing here).
    """
    with paused():
        return _size(data, catalog, price_lookup)


def _size(
    data: Mapping[str, Any], catalog: CatalogSnapshot, price_lookup: Mapping[str, Decimal] | None
) -> SizingResult:
    w = parse_workload(data)
    model = resolve_model(w, catalog)
    if w.gpu == "auto":
        # one dict of notes per automatic sizing: candidates share what holds for them all
        # (their clusters placed on the floor only for the one chosen: Planned.cluster)
        return size_auto(
            w, model, catalog, partial(plan_one, shared={}, placed=False), price_lookup
        )
    gpu = resolve_gpu(w, catalog)
    fabric = "infiniband" if w.fabric == "auto" else w.fabric
    return size_one(w, model, gpu, fabric, catalog)


def resolve_model(w: Workload, catalog: CatalogSnapshot) -> LlmModel:
    """The library model named by slug, or the custom model."""
    if w.custom_model is not None:
        c = w.custom_model
        return LlmModel(
            slug="custom",
            name=c.name,
            family="custom",
            layers=c.layers,
            hidden_size=c.hidden_size,
            heads=c.heads,
            kv_heads=c.kv_heads,
            ffn_size=c.ffn_size,
            vocab_size=c.vocab_size,
            context_length=c.context_length,
            params_b=c.params_b,
            active_params_b=c.active_params_b,
            experts=c.experts,
            experts_per_token=c.experts_per_token,
            source="custom_model input",
            arch=custom_arch(c),
        )
    slug = w.model_slug or ""
    if slug not in catalog.models:
        raise SizingInputError.single(
            "model", f"unknown model {slug!r}; one of {', '.join(sorted(catalog.models))}"
        )
    return catalog.models[slug]


def custom_arch(c: Any) -> ModelArch:
    """The architecture of a custom model: its shape plus any architecture fields given."""
    base = simple_arch(
        c.layers,
        c.hidden_size,
        c.heads,
        c.kv_heads,
        c.ffn_size,
        c.vocab_size,
        c.context_length,
        c.experts,
        c.experts_per_token,
    )
    extra: dict[str, Any] = {
        k: getattr(c, k) for k in ARCH_INT_FIELDS if getattr(c, k, None) is not None
    }
    if getattr(c, "embeddings", None) == "tied":
        extra["tied_embeddings"] = True
    if getattr(c, "vision_params_b", None):
        extra["vision_params"] = c.vision_params_b * 1e9
    return replace(base, **extra)


def resolve_gpu(w: Workload, catalog: CatalogSnapshot) -> Gpu:
    """The GPU named by slug."""
    if w.gpu not in catalog.gpus:
        raise SizingInputError.single(
            "gpu", f"unknown GPU {w.gpu!r}; 'auto' or one of {', '.join(sorted(catalog.gpus))}"
        )
    gpu = catalog.gpus[w.gpu]
    if gpu.reference and w.nodes is None:
        raise SizingInputError.single(
            "gpu", f"{gpu.name} is reference hardware: give 'nodes' (capacity mode) to use it"
        )
    return gpu


def size_one(
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    fabric: str,
    catalog: CatalogSnapshot,
    shared: dict[str, Any] | None = None,
) -> SizingResult:
    """Size (or evaluate) the workload on one GPU model and fabric (``shared``: notes of
    an automatic sizing's candidates, workplan.training_required)."""
    return plan_one(w, model, gpu, fabric, catalog, shared).result()


def plan_one(
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    fabric: str,
    catalog: CatalogSnapshot,
    shared: dict[str, Any] | None = None,
    placed: bool = True,
) -> Planned:
    """``size_one`` up to the cluster (every check that can refuse the candidate); the rest
    of its result is built by ``Planned.result()``. With ``placed`` False the cluster's
    fabrics are placed on the floor (link groups, floor) only when the result or the BoM
    is built (``Planned.cluster``)."""
    check_precision(w.precision, gpu)
    ex = Explainer()
    profile = choose_profile(catalog, w, fabric)
    gpn = gpus_per_node(catalog.platforms[profile.platform], gpu, w)
    spare = 1 if w.redundancy == "n+1" else 0
    gpu_plan, brief, nodes = _gpu_plan(w, model, gpu, gpn, spare, ex, shared)
    side = cluster_side(catalog, w, gpu, fabric, nodes, placed)
    return Planned(w, model, gpu, fabric, catalog, ex, nodes, spare, side, gpu_plan, brief)


class Planned:
    """One candidate sized up to its cluster. ``summary`` holds what the automatic choice
    ranks on and shows of every candidate (engine/auto.py), ``bom`` is built when asked for
    (a price lookup), and ``result()`` builds the rest: the GPU plan's report and
    explanations, the cluster placed on the floor, the build-out, the full summary and the
    warnings, so an automatic sizing builds them for its chosen candidate only.
    ``racks`` is the cluster as planned (placed or not: its racks, counts, power and
    fabric limits are the same), ``cluster`` the placed one."""

    def __init__(
        self,
        w: Workload,
        model: LlmModel,
        gpu: Gpu,
        fabric: str,
        catalog: CatalogSnapshot,
        ex: Explainer,
        nodes: int,
        spare: int,
        side: ClusterSide,
        gpu_plan: Callable[[], wp.GpuPlan],
        brief: dict[str, Any],
    ) -> None:
        self.w, self.model, self.gpu, self.fabric, self.catalog = w, model, gpu, fabric, catalog
        self.ex, self.nodes, self.spare, self.side = ex, nodes, spare, side
        self.node, self.racks, self._gpu_plan, self.brief = side.node, side.racks, gpu_plan, brief

    @once.cached_property
    def summary(self) -> dict[str, Any]:
        """The keys of the result's summary the automatic choice reads, as ``summarise``
        gives them: GPU, fabric, counts, power and the GPU plan's key figures."""
        node, cluster = self.node, self.racks
        return {
            "gpu": node.gpu.slug,
            "fabric": cluster.compute.switch.fabric,
            "gpu_count": cluster.nodes * node.gpus_per_node,
            "node_count": cluster.nodes,
            "rack_count": cluster.rack_count,
            "power_kw": power_kw(cluster),
            **self.brief,
        }

    @property
    def cluster(self) -> ClusterPlan:
        """The cluster with its fabrics placed on the floor (link groups, floor)."""
        return self.side.cluster

    @once.cached_property
    def plan(self) -> wp.GpuPlan:
        """The GPU plan reported and explained (its explanations come first)."""
        return self._gpu_plan()

    @property
    def bom(self) -> tuple[BomLine, ...]:
        """The bill of materials."""
        return self.side.bom

    def result(self) -> SizingResult:
        """The candidate's full result."""
        w, ex, node, side = self.w, self.ex, self.node, self.side
        plan, cluster = self.plan, side.cluster
        built = side.built
        of_cluster, of_buildout = side.explained
        start = len(ex.items)
        ex.items.extend(of_cluster)
        summary = with_plan(side.summary(self.model, ENGINE_VERSION), plan, node)
        store = storage(w, self.model, plan, cluster.nodes * node.gpus_per_node)
        summary.update(with_storage(built.summary, store))
        ex.items.extend(of_buildout)
        end = len(ex.items)  # the side's explanations, adjacent: ``ClusterSide.explained_json``
        explain_storage(ex, store)
        warnings = list(plan.warnings) + side.warnings
        return SizingResult(
            summary,
            side.bom,
            tuple(ex.items),
            tuple(warnings),
            bom_json=side.bom_json,
            explained_json=((start, end), side.explained_json),
        )


def _gpu_plan(
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    gpn: int,
    spare: int,
    ex: Explainer,
    shared: dict[str, Any] | None = None,
) -> tuple[Callable[[], wp.GpuPlan], dict[str, Any], int]:
    """The GPU plan (reported and explained when called: a training layout is searched
    here, its report built later), its key figures (``Planned.summary``) and the nodes."""
    if w.capacity_mode:
        nodes = w.nodes or 1
        active = (nodes - spare) * gpn
        if w.kind == "inference":
            return (*_served(wp.inference_figures(w, model, gpu, gpn, active, ex, None)), nodes)
        s = wp.training_setup(w, model, gpu, gpn)
        return (*_training(s, active, gpn, ex, "nodes", shared), nodes)
    if w.kind == "inference":
        required, rm = wp.inference_required(w, model, gpu, gpn, ex)
        nodes = _nodes_for(required, gpn, 0.0, spare, ex)
        plan = wp.inference_figures(w, model, gpu, gpn, (nodes - spare) * gpn, ex, rm)
        return (*_served(plan), nodes)
    required, s = wp.training_required(w, model, gpu, gpn, ex, shared)
    nodes = _nodes_for(required, gpn, w.growth_headroom_pct, spare, ex)
    active = (nodes - spare) * gpn
    return (*_training(s, active, gpn, ex, "training.target_days", shared), nodes)


def _training(
    s: tr.TrainingSetup,
    active: int,
    gpn: int,
    ex: Explainer,
    field: str,
    shared: dict[str, Any] | None,
) -> tuple[Callable[[], wp.GpuPlan], dict[str, Any]]:
    """The training plan on ``active`` GPUs. A candidate of an automatic sizing (``shared``)
    is ranked and shown by its best layout alone (searched best-only: the same layout and
    figures); its full search (the runners-up) runs only if its plan is reported."""
    if shared is None:
        return _trained(s, wp.training_outcome(s, active, field), ex)
    o = wp.training_outcome(s, active, field, best_only=True)
    brief = {"training": wp.training_brief(o), "inference": None}
    return partial(wp.training_figures, s, active, gpn, ex, field), brief


def _served(plan: wp.GpuPlan) -> tuple[Callable[[], wp.GpuPlan], dict[str, Any]]:
    return (lambda: plan), {"training": None, "inference": plan.inference}


def _trained(
    s: tr.TrainingSetup, o: tr.TrainingOutcome, ex: Explainer
) -> tuple[Callable[[], wp.GpuPlan], dict[str, Any]]:
    return partial(wp.training_plan, s, o, ex), {
        "training": wp.training_brief(o),
        "inference": None,
    }


def _nodes_for(gpus: int, gpn: int, headroom_pct: float, spare: int, ex: Explainer) -> int:
    base = math.ceil(gpus * (1 + headroom_pct / 100) / gpn - 1e-9)
    nodes = base + spare
    ex.add(
        "node_count",
        nodes,
        "nodes",
        rule="Whole nodes for the GPUs, plus growth headroom and N+1 spare.",
        formula="ceil(required_gpus × (1 + headroom) / gpus_per_node) + spare",
        source="sizing-model §6-7",
        inputs={
            "required_gpus": gpus,
            "gpus_per_node": gpn,
            "growth_headroom_pct": headroom_pct,
            "spare_nodes": spare,
        },
    )
    return nodes
