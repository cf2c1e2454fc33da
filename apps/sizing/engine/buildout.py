"""What it takes to build and run the cluster beyond its servers: cabling by reach, the two
fabric designs side by side, management aggregation, facility and storage (issue 15).

Everything here is counted, never priced: ``fabric_designs[*].parts`` lists part numbers and
quantities so that a pricing service outside the engine can price each design.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cabling import CablePlan, Line, plan_cables
from .catalog import CatalogSnapshot, LlmModel, Switch
from .cluster import ClusterPlan, Fabric, fabric_limits, limit_reason
from .facility import facility
from .node import NodePlan
from .storage import storage
from .workload import Workload
from .workplan import GpuPlan

# Typical power of the optics (NVIDIA MMS4X00-NS specifications: 16 W typical; MMS4X00-NS400:
# 5 W in 200G mode).
SWITCH_OPTIC_W = 16.0
ADAPTER_OPTIC_W = 5.0
AGGREGATION = (
    "Management aggregation switch, 25GbE SFP28 (NVIDIA SN2410 class, named by the seed for "
    "aggregation)",
    'seed text "Management Ethernet switches" (SN2410 for larger aggregation); part number '
    "not in the seed",
)
UPLINK = (
    "10GbE SFP+ uplink cable, management switch to aggregation",
    'seed text "Management Ethernet switches" (AS4610-54T: 4x 10G SFP+ uplinks)',
)


@dataclass(frozen=True)
class Buildout:
    """The cable plans (compute, DPU), the summary keys and the warnings."""

    cables: CablePlan
    dpu_cables: CablePlan | None
    summary: dict[str, Any]
    warnings: list[str]


def _switch_parts(s: Switch, count: int) -> dict[str, int]:
    parts = {
        s.machine_type_part_number: count,
        s.part_number: count,
        s.power_cord_part_number: count * s.power_cords,
        s.rack_kit_part_number: count,
        s.hardware_class_part_number: count,
        s.support_part_number: count,
    }
    return {pn: q for pn, q in parts.items() if pn and q}


def design_figures(f: Fabric, cables: CablePlan, ports_per_node: int) -> dict[str, Any]:
    """One design's switches, cables, optics, power and the largest size it reaches."""
    limits = fabric_limits(f.switch, f.fanout)
    parts = _switch_parts(f.switch, f.switches)
    for line in cables.lines:
        if line.part_number:
            parts[line.part_number] = parts.get(line.part_number, 0) + line.quantity
    adapter_optics = sum(x.quantity for x in cables.lines if x.key == "tbc:adapter_optic")
    switch_optics = cables.transceivers - adapter_optics
    power_w = f.switches * f.switch.power_w + switch_optics * SWITCH_OPTIC_W
    power_w += adapter_optics * ADAPTER_OPTIC_W
    return {
        "design": f.design,
        "topology": f.topology,
        "tiers": f.tiers,
        "leaves": f.leaves,
        "spines": f.spines if f.tiers == 2 else 0,
        "aggregation": f.spines if f.tiers == 3 else 0,
        "cores": f.cores,
        "switches": f.switches,
        "rails": f.rails,
        "rail_racks": f.rail_racks,
        "copper_cables": cables.copper,
        "transceivers": cables.transceivers,
        "fibres": cables.fibres,
        "longest_copper_m": round(cables.longest_copper_m, 2),
        "copper_reach_m": cables.copper_reach_m,
        "longest_run_m": round(cables.longest_run_m, 1),
        "power_kw": round(power_w / 1000, 3),
        "oversubscription": f.oversubscription,
        "max_nodes_two_tier": limits["two_tier"] // max(1, ports_per_node),
        "max_nodes_three_tier": limits["three_tier"] // max(1, ports_per_node),
        "limit_reason": limit_reason(f.switch, f.fanout, ports_per_node),
        "parts": parts,
        "to_be_confirmed": sum(x.quantity for x in cables.to_be_confirmed),
    }


def _tbc(line: Line, section: str) -> dict[str, Any]:
    return {
        "description": line.description,
        "quantity": line.quantity,
        "section": section,
        "reason": line.reason,
        "source": line.source,
        "part_number": None,
    }


def buildout(
    catalog: CatalogSnapshot,
    w: Workload,
    model: LlmModel,
    node: NodePlan,
    cluster: ClusterPlan,
    plan: GpuPlan,
) -> Buildout:
    """Cable plans, designs side by side, management, facility and storage."""
    fixed = cluster_buildout(catalog, w, node, cluster)
    return Buildout(
        fixed.cables,
        fixed.dpu_cables,
        with_storage(fixed.summary, storage(w, model, plan, cluster.nodes * node.gpus_per_node)),
        fixed.warnings,
    )


def with_storage(fixed: dict[str, Any], store: dict[str, Any]) -> dict[str, Any]:
    """The build-out's summary keys: ``cluster_buildout``'s with the storage requirement
    (the one part that depends on the GPU plan) in its place, before ``to_be_confirmed``."""
    return {
        "cabling": fixed["cabling"],
        "fabric_designs": fixed["fabric_designs"],
        "facility": fixed["facility"],
        "storage": store,
        "to_be_confirmed": fixed["to_be_confirmed"],
    }


def fabric_cables(
    catalog: CatalogSnapshot, compute: Fabric, dpu: Fabric | None
) -> tuple[CablePlan, CablePlan | None]:
    """The cable plans of the compute fabric (the chosen design, placed) and the DPU network."""
    cables = plan_cables(catalog, compute, "Compute fabric")
    return cables, plan_cables(catalog, dpu, "DPU network") if dpu else None


def cluster_buildout(
    catalog: CatalogSnapshot,
    w: Workload,
    node: NodePlan,
    cluster: ClusterPlan,
    planned: tuple[CablePlan, CablePlan | None] | None = None,
) -> Buildout:
    """Cable plans, designs side by side, management and facility: everything of the
    build-out but storage, a function of the cluster and the workload's assumptions alone
    (not of the GPU plan: api.ClusterSide keeps it across sizings of one cluster).
    ``planned``: ``fabric_cables`` of the cluster, when already made (side.ClusterSide)."""
    if planned is None:
        planned = fabric_cables(catalog, cluster.compute, cluster.dpu)
    cables, dpu = planned
    designs = [design_figures(cluster.compute, cables, node.compute_ports)]
    if cluster.alternative is not None:
        alt = plan_cables(catalog, cluster.alternative, "Compute fabric")
        designs.append(design_figures(cluster.alternative, alt, node.compute_ports))
    tbc = [_tbc(x, "fabric") for x in cables.to_be_confirmed]
    tbc += [_tbc(x, "fabric") for x in (dpu.to_be_confirmed if dpu else [])]
    m = cluster.management
    if m is not None and m.aggregation:
        why = (
            f"{m.leaves} management switches x {w.assumptions.mgmt_uplinks_per_switch} uplinks "
            f"= {m.uplinks} uplinks / {w.assumptions.mgmt_aggregation_ports} ports, at least a "
            "redundant pair."
        )
        tbc.append(
            _tbc(Line("agg", "", AGGREGATION[0], m.aggregation, why, AGGREGATION[1]), "management")
        )
        tbc.append(_tbc(Line("up", "", UPLINK[0], m.uplinks, why, UPLINK[1]), "management"))
    site, warnings = facility(w, cluster)
    tbc.append(
        {
            "description": "Rack power distribution unit (PDU)",
            "quantity": site["pdus"],
            "section": "facility",
            "reason": f"{site['pdu_feeds']} feeds x ceil(rack kW / {site['pdu_kw']:g} kW) "
            "per rack.",
            "source": "sizing-model §6; PDU part numbers are not in the seed",
            "part_number": None,
        }
    )
    warnings = warnings + cables.warnings
    summary = {
        "cabling": {
            "copper_cables": cables.copper,
            "transceivers": cables.transceivers,
            "fibres": cables.fibres,
            "longest_copper_m": round(cables.longest_copper_m, 2),
            "copper_reach_m": cables.copper_reach_m,
            "longest_run_m": round(cables.longest_run_m, 1),
            "links": [
                {"kind": g.kind, "tier": g.tier, "count": g.count, "length_m": g.length_m}
                for g in cluster.compute.links
            ],
        },
        "fabric_designs": designs,
        "facility": site,
        "to_be_confirmed": tbc,
    }
    return Buildout(cables, dpu, summary, warnings)
