"""Explanations of the node and cluster figures."""

from __future__ import annotations

from .cluster import ClusterPlan
from .explain import Explainer
from .node import NodePlan
from .workload import Workload

SEED_NODE = 'seed "Design recommendations" and Tables 1-4'
SEED_CLUSTER = 'seed "Configuration examples" and Tables 1-3; sizing-model §7'


def explain_cluster(
    ex: Explainer, w: Workload, node: NodePlan, cluster: ClusterPlan, nodes: int, spare: int
) -> None:
    """Record why the node and cluster figures have their values."""
    _explain_node(ex, w, node)
    _explain_fabric(ex, cluster)
    a = w.assumptions
    ex.add(
        "gpu_count",
        nodes * node.gpus_per_node,
        "GPUs",
        rule="Nodes × GPUs per node.",
        formula="node_count × gpus_per_node",
        source=SEED_CLUSTER,
        inputs={"node_count": nodes, "gpus_per_node": node.gpus_per_node, "spare_nodes": spare},
    )
    ex.add(
        "rack_count",
        cluster.rack_count,
        "racks",
        rule="At most max_nodes_per_rack nodes per rack within the rack power budget, "
        "plus network racks.",
        formula="ceil(nodes / nodes_per_rack) + "
        "ceil(spine and core switches / switches_per_network_rack)",
        source=SEED_CLUSTER,
        inputs={
            "nodes_per_rack": cluster.nodes_per_rack,
            "max_nodes_per_rack": a.max_nodes_per_rack,
            "rack_power_budget_kw": a.rack_power_budget_kw,
            "network_racks": cluster.network_racks,
        },
    )
    ex.add(
        "power_kw",
        round(cluster.power_w / 1000, 3),
        "kW",
        rule="Nodes from GPU and CPU TDPs plus platform overhead; switches at typical power.",
        formula="nodes × (gpus × TDP + sockets × CPU TDP + overhead) + Σ switch power",
        source="sizing-model §6",
        inputs={"node_power_w": node.power_w, "nodes": nodes},
    )
    ex.add(
        "heat_btu_per_h",
        round(cluster.power_w * a.btu_per_w),
        "BTU/h",
        rule="Heat equals electrical power.",
        formula="W × 3.412",
        source="sizing-model §6",
        inputs={"power_w": round(cluster.power_w)},
    )
    ex.add(
        "management.switches",
        cluster.mgmt_switches,
        "switches",
        rule="One 48-port management switch while ports last.",
        formula="ceil((nodes × cables per node + switch management ports) / 48)",
        source=SEED_CLUSTER,
        inputs={"ports_used": cluster.mgmt_ports},
    )


def _explain_node(ex: Explainer, w: Workload, node: NodePlan) -> None:
    ex.add(
        "node.memory_gb",
        node.memory_gb,
        "GB",
        rule="System memory at least 2× the node's GPU memory, "
        "balanced in every DIMM slot with the smallest DIMM that fits.",
        formula="smallest DIMM d with d × slots >= ratio × gpus × GPU memory",
        source=SEED_NODE,
        inputs={
            "required_gb": node.memory_required_gb,
            "slots": node.dimm_count,
            "dimm_gb": node.dimm.size_gb,
            "memory_to_gpu_ratio": w.assumptions.memory_to_gpu_ratio,
        },
    )
    ex.add(
        "node.compute_adapters",
        node.compute_adapters,
        "adapters",
        rule="200 Gb/s of compute fabric per GPU; plus the profile's storage adapters.",
        formula="ceil(ceil(gpus × 200 / port_gbps) / ports per adapter)",
        source=SEED_NODE,
        inputs={
            "gpus_per_node": node.gpus_per_node,
            "port_gbps": node.fabric_adapter.port_speed_gbps,
            "ports_per_adapter": node.fabric_adapter.ports,
            "storage_adapters": node.storage_adapters,
        },
    )
    ex.add(
        "node.nvlink_bridges",
        node.bridges,
        "bridges",
        rule="3 NVLink bridges per GPU pair on bridged GPUs.",
        formula="floor(gpus / 2) × bridges_per_pair",
        source=SEED_NODE,
        inputs={"link": node.gpu.link, "bridges_per_pair": node.gpu.bridges_per_pair},
    )


def _explain_fabric(ex: Explainer, cluster: ClusterPlan) -> None:
    f = cluster.compute
    ex.add(
        "cluster.compute_fabric.switches",
        f.switches,
        "switches",
        rule="One switch per rack; two rack switches join directly; beyond two, "
        "a non-blocking two-tier fat "
        "tree (leaves half down, half up), three tiers beyond that.",
        formula="leaves = Σ racks ceil(cages_down / (cages/2)); spines = ceil(Σ up cages / cages); "
        "3-tier: aggregation per pod + cores",
        source=SEED_CLUSTER,
        inputs={
            "topology": f.topology,
            "leaves": f.leaves,
            "spines_or_aggregation": f.spines,
            "cores": f.cores,
        },
    )
    ex.add(
        "cluster.compute_fabric.endpoint_cables",
        f.endpoint_cables,
        "cables",
        rule="One splitter per switch cage serves its fan-out of adapter ports.",
        formula="Σ leaves ceil(adapter ports / fanout)",
        source=SEED_CLUSTER,
        inputs={"endpoint_ports": f.endpoints, "fanout": f.fanout},
    )
    ex.add(
        "cluster.compute_fabric.isl_cables",
        f.isl_cables,
        "cables",
        rule="Every leaf has as many up cages as down cages (non-blocking).",
        formula="two switches: max(down cages); fat tree: Σ up cages per tier",
        source=SEED_CLUSTER,
        inputs={"oversubscription": f.oversubscription},
    )
