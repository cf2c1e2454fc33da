"""Explanations of the node and cluster figures."""

from __future__ import annotations

from typing import Any

from .cluster import ClusterPlan
from .explain import Explainer
from .facility import heat_btu_per_h
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
        heat_btu_per_h(cluster.power_w, a),
        "BTU/h",
        rule="Heat equals electrical power.",
        formula=f"W × {a.btu_per_w:g}",
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
        rule="One switch; two rack switches joined directly; beyond two, a leaf-spine tree of "
        "the switch's ports (leaves half down, half up divided by the oversubscription): two "
        "tiers while the spines reach every leaf (leaves <= ports), three tiers (pods of "
        "ports/2 leaves with their aggregation switches, under cores) beyond that. Fat tree: a "
        "leaf per rack; rail-optimised: GPU i of every node of a unit on rail leaf i.",
        formula="2 tiers: spines = ceil(Σ leaf up ports / ports); 3 tiers: aggregation = "
        "Σ pods ceil(pod up ports / (ports/2)), cores = ceil(Σ up ports / ports)",
        source=SEED_CLUSTER,
        inputs={
            "design": f.design,
            "topology": f.topology,
            "leaves": f.leaves,
            "spines_or_aggregation": f.spines,
            "cores": f.cores,
            "ports_per_switch": f.switch.ports,
            "oversubscription": f.oversubscription,
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
        rule="Two switches: one cable per cage of the larger leaf; a tree: one link per leaf "
        "up port at each tier (as many up as down when non-blocking).",
        formula="two switches: max(down cages); tree: Σ tiers Σ up ports",
        source=SEED_CLUSTER,
        inputs={"oversubscription": f.oversubscription},
    )


def explain_buildout(ex: Explainer, w: Workload, cluster: ClusterPlan, s: dict[str, Any]) -> None:
    """Why the cabling, management aggregation, facility and storage figures are what they are."""
    explain_cluster_buildout(ex, w, cluster, s)
    explain_storage(ex, s["storage"])


def explain_cluster_buildout(
    ex: Explainer, w: Workload, cluster: ClusterPlan, s: dict[str, Any]
) -> None:
    """Why the cabling, management aggregation and facility figures are what they are (not
    storage: ``s`` needs only the ``cabling`` and ``facility`` keys)."""
    a, c, site = w.assumptions, s["cabling"], s["facility"]
    floor = "length = |Δcol| × rack_width + |Δrow| × row_pitch + 2 × cable_rise"
    ex.add(
        "cluster.cabling.copper_cables",
        c["copper_cables"],
        "cables",
        rule="Direct-attach copper only where the run is no longer than the cable.",
        formula=f"runs with {floor} <= cable length; in a rack: rack height + rise/2",
        source="floor model (docs/sizing-engine.md 'Floor and cables by reach'); "
        "NVIDIA LinkX 100G-PAM4 guide (copper ≤ 3 m)",
        inputs={
            "longest_copper_m": c["longest_copper_m"],
            "copper_reach_m": c["copper_reach_m"],
            "racks_per_row": a.racks_per_row,
            "rack_width_m": a.rack_width_m,
            "row_pitch_m": a.row_pitch_m,
            "cable_rise_m": a.cable_rise_m,
        },
    )
    ex.add(
        "cluster.cabling.transceivers",
        c["transceivers"],
        "transceivers",
        rule="Beyond copper reach: a twin-port transceiver per switch cage at each end, and "
        "toward adapters one transceiver per adapter port.",
        formula="Σ optical runs (cages × ends) + adapter ports on optical runs",
        source="NVIDIA MMS4X00-NS / MMS4X00-NS400 product specifications",
        inputs={"longest_run_m": c["longest_run_m"], "fibres": c["fibres"]},
    )
    ex.add(
        "cluster.cabling.fibres",
        c["fibres"],
        "fibres",
        rule="One fibre per switch port link on an optical run (1:2 splitter fibres toward "
        "NDR200 adapters); lengths rounded up to a stocked length.",
        formula="Σ optical switch links + Σ optical leaf cages × ports per cage",
        source="NVIDIA MMS4X00-NS400 product specifications",
        inputs={"transceivers": c["transceivers"]},
    )
    m = cluster.management
    if m is not None:
        ex.add(
            "management.aggregation_switches",
            m.aggregation,
            "switches",
            rule="Above one management switch, each switch's uplinks go to a redundant pair "
            "(or more) of aggregation switches.",
            formula="max(2, ceil(switches × uplinks_per_switch / aggregation_ports)) if "
            "switches > 1 else 0",
            source='seed text "Management Ethernet switches"',
            inputs={
                "management_switches": m.leaves,
                "uplinks_per_switch": a.mgmt_uplinks_per_switch,
                "aggregation_ports": a.mgmt_aggregation_ports,
            },
        )
    ex.add(
        "facility.pdus",
        site["pdus"],
        "PDUs",
        rule="Each rack gets its feeds, each sized for the whole rack.",
        formula="Σ racks pdu_feeds × ceil(rack kW / pdu_kw)",
        source="sizing-model §6",
        inputs={"pdu_kw": a.pdu_kw, "pdu_feeds": a.pdu_feeds, "max_rack_kw": site["max_rack_kw"]},
    )
    ex.add(
        "facility.floor_m2",
        site["floor_m2"],
        "m²",
        rule="Racks times the floor area of a rack with its share of aisles.",
        formula="racks × floor_m2_per_rack",
        source="floor model (docs/sizing-engine.md 'Floor and cables by reach')",
        inputs={"racks": site["racks"], "floor_m2_per_rack": a.floor_m2_per_rack},
    )


def explain_storage(ex: Explainer, st: dict[str, Any]) -> None:
    src = (
        "storage model (docs/sizing-engine.md 'Storage'); Young 1974 / Daly 2006 checkpoint "
        "interval; Llama 3 paper §3.3.4"
    )
    if st["kind"] == "inference":
        ex.add(
            "storage.read_gbps",
            st["read_gbps"],
            "GB/s",
            rule="Every replica loads its weights at once after a restart, within the target.",
            formula=st["formula"],
            source="storage model (docs/sizing-engine.md 'Storage')",
            inputs=st["inputs"],
        )
        return
    f = st["formula"]
    for key, unit, formula in (
        ("capacity_tb", "TB", f["capacity"]),
        ("checkpoint_interval_h", "h", f["interval"]),
        ("write_gbps", "GB/s", f["write"]),
        ("read_gbps", "GB/s", f["read"]),
    ):
        ex.add(
            f"storage.{key}",
            st[key],
            unit,
            rule="Checkpoints kept plus the dataset; checkpoints written fast enough that at "
            "the Young/Daly interval they cost at most the set share of the run.",
            formula=formula,
            source=src,
            inputs=st["inputs"],
        )
