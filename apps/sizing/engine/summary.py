"""The result's summary keys: counts, node, cluster layout, power and assumptions."""

from __future__ import annotations

from typing import Any

from .catalog import LlmModel
from .cluster import ClusterPlan, Fabric, RackItem
from .facility import heat_btu_per_h
from .node import NodePlan
from .workload import Workload
from .workplan import GpuPlan


def _fabric_dict(f: Fabric) -> dict[str, Any]:
    s = f.switch
    return {
        "switch": s.slug,
        "switch_name": s.name,
        "topology": f.topology,
        "tiers": f.tiers,
        "leaves": f.leaves,
        "spines": f.spines if f.tiers == 2 else 0,
        "aggregation": f.spines if f.tiers == 3 else 0,
        "cores": f.cores,
        "switches": f.switches,
        "endpoint_ports": f.endpoints,
        "endpoint_port_gbps": s.cage_gbps / f.fanout,
        "cages_per_switch": s.cages,
        "cage_gbps": s.cage_gbps,
        "leaf_down_cages": list(f.leaf_down_cages),
        "leaf_up_cages": list(f.leaf_up_cages),
        "leaf_racks": [r + 1 for r in f.leaf_racks],
        "endpoint_cables": f.endpoint_cables,
        "isl_cables": f.isl_cables,
        "isl_link_gbps": s.cage_gbps,
        "oversubscription": f.oversubscription,
        "oversubscription_ratio": f"{f.oversubscription:g}:1",
        "max_cages_used_per_switch": f.max_cages_used(),
        "design": f.design,
        "rails": f.rails,
        "rail_racks": f.rail_racks,
        "tier_links": list(f.tier_links),
    }


def _items(items: tuple[RackItem, ...]) -> list[dict[str, Any]]:
    return [
        {
            "kind": i.kind,
            "name": i.name,
            "part_number": i.part_number,
            "u_start": i.u_start,
            "u_height": i.u_height,
        }
        for i in items
    ]


def _racks(cluster: ClusterPlan) -> list[dict[str, Any]]:
    """Rack dicts; racks of one kind share one read-only list of item dicts and their figures
    (converted once per kind: a 4,096-node cluster has 560 racks of a few kinds)."""
    kinds = [
        (k.role, round(k.power_w / 1000, 3), k.nodes, _items(k.items)) for k in cluster.rack_kinds
    ]
    return [
        {"index": i, "role": role, "power_kw": kw, "nodes": nodes, "items": items}
        for i, (role, kw, nodes, items) in enumerate(
            map(kinds.__getitem__, cluster.rack_kind_of), 1
        )
    ]


def _node_dict(node: NodePlan) -> dict[str, Any]:
    return {
        "profile": node.profile.slug,
        "platform": node.platform.slug,
        "gpus_per_node": node.gpus_per_node,
        "cpu": node.cpu.part_number,
        "cpus": node.platform.sockets,
        "dimm": node.dimm.part_number,
        "dimm_size_gb": node.dimm.size_gb,
        "dimm_count": node.dimm_count,
        "memory_gb": node.memory_gb,
        "memory_required_gb": node.memory_required_gb,
        "gpu_memory_gb": node.gpus_per_node * node.gpu.memory_gb,
        "fabric_adapter": node.fabric_adapter.part_number,
        "compute_ports": node.compute_ports,
        "compute_adapters": node.compute_adapters,
        "storage_adapters": node.storage_adapters,
        "dpu": node.dpu.part_number if node.dpu else None,
        "fabric_gbps_per_gpu": node.fabric_gbps_per_gpu,
        "nvlink_bridges": node.bridges,
        "data_drives": node.data_drives,
        "power_w": node.power_w,
        "rack_units": node.platform.rack_units,
    }


def summarise(
    w: Workload,
    model: LlmModel,
    node: NodePlan,
    cluster: ClusterPlan,
    plan: GpuPlan,
    diffs: list[dict[str, object]],
    spare: int,
    version: str,
) -> dict[str, Any]:
    """The result's top-level keys except BoM, explanations, warnings and alternatives."""
    return with_plan(fixed_summary(w, model, node, cluster, diffs, spare, version), plan, node)


def with_plan(fixed: dict[str, Any], plan: GpuPlan, node: NodePlan) -> dict[str, Any]:
    """``fixed_summary`` with the GPU plan's keys (training, inference, memory) in place."""
    return {
        **fixed,
        "training": plan.training,
        "inference": plan.inference,
        "memory": _memory(plan, node),
    }


def fixed_summary(
    w: Workload,
    model: LlmModel,
    node: NodePlan,
    cluster: ClusterPlan,
    diffs: list[dict[str, object]],
    spare: int,
    version: str,
) -> dict[str, Any]:
    """The summary's keys but the GPU plan's (``with_plan`` fills training, inference and
    memory): a function of the cluster side alone, kept with it (engine/side.py)."""
    nodes, power = cluster.nodes, cluster.power_w
    return {
        "engine_version": version,
        "mode": "capacity" if w.capacity_mode else "size",
        "kind": w.kind,
        "model": {
            "slug": model.slug,
            "name": model.name,
            "params_b": model.params_b,
            "active_params_b": model.active_params_b,
        },
        "precision": w.precision,
        "gpu": node.gpu.slug,
        "gpu_name": node.gpu.name,
        "fabric": cluster.compute.switch.fabric,
        "deployment": w.deployment,
        "redundancy": w.redundancy,
        "growth_headroom_pct": w.growth_headroom_pct,
        "storage_tb": w.storage_tb,
        "gpu_count": nodes * node.gpus_per_node,
        "node_count": nodes,
        "active_node_count": nodes - spare,
        "spare_nodes": spare,
        "gpus_per_node": node.gpus_per_node,
        "rack_count": cluster.rack_count,
        "training": None,
        "inference": None,
        "memory": None,
        "node": _node_dict(node),
        "cluster": _cluster_dict(cluster),
        "power_kw": power_kw(cluster),
        "heat_btu_per_h": heat_btu_per_h(power, w.assumptions),
        "rack_units": cluster.rack_units,
        "reference_hardware": node.gpu.reference,
        "assumptions": w.assumptions.to_dict(),
        "assumption_overrides": list(w.assumption_overrides),
        "tco_inputs": w.tco.to_dict(),
        "conformance_differences": diffs,
    }


def power_kw(cluster: ClusterPlan) -> float:
    """The cluster's power draw in kW, as the summary gives it."""
    return round(cluster.power_w / 1000, 3)


def _memory(plan: GpuPlan, node: NodePlan) -> dict[str, float]:
    out = dict(plan.memory)
    out["node_system_memory_gb"] = node.memory_gb
    out["node_gpu_memory_gb"] = node.gpus_per_node * node.gpu.memory_gb
    return out


def _cluster_dict(cluster: ClusterPlan) -> dict[str, Any]:
    return {
        "nodes_per_rack": cluster.nodes_per_rack,
        "rack_nodes": list(cluster.rack_nodes),
        "compute_racks": len(cluster.rack_nodes),
        "network_racks": cluster.network_racks,
        "compute_fabric": _fabric_dict(cluster.compute),
        "dpu_network": _fabric_dict(cluster.dpu) if cluster.dpu else None,
        "management": {
            "switches": cluster.mgmt_switches,
            "ports_used": cluster.mgmt_ports,
            "racks": [r + 1 for r in cluster.mgmt_racks],
            "uplinks": cluster.management.uplinks if cluster.management else 0,
            "aggregation_switches": cluster.management.aggregation if cluster.management else 0,
        },
        "racks": _racks(cluster),
    }
