"""Bill of materials: every part with its quantity, section and the rule that put it there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import frozen
from .cabling import CablePlan
from .catalog import CatalogError, CatalogSnapshot, Switch, to_be_confirmed
from .cluster import ClusterPlan, Fabric
from .node import NodePlan

SECTIONS = ("compute", "fabric", "management", "software", "services")
_SECTION_ORDER = {section: i for i, section in enumerate(SECTIONS)}


@dataclass(frozen=True)
class BomLine:
    """One aggregated BoM line."""

    part_number: str
    description: str
    quantity: int
    section: str
    reason: str
    reference_hardware: bool = False

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-able data."""
        out: dict[str, object] = {
            "part_number": self.part_number,
            "description": self.description,
            "quantity": self.quantity,
            "section": self.section,
            "reason": self.reason,
        }
        if self.reference_hardware:
            out["reference_hardware"] = True
        if to_be_confirmed(self.part_number):
            out["to_be_confirmed"] = True
        return out

    def as_json(self) -> dict[str, object]:
        """``to_dict()`` made once per line and shared: a line of a kept cluster side
        (engine/side.py) is in the result of every sizing of that cluster. Read-only."""
        kept: dict[str, object] | None = self.__dict__.get("_json")
        if kept is None:
            kept = self.__dict__["_json"] = self.to_dict()
        return kept


class BomBuilder:
    """Adds quantities by (section, part number), keeping every distinct reason."""

    def __init__(self, catalog: CatalogSnapshot) -> None:
        self.catalog = catalog
        # (section, part number) -> [description, quantity, reasons]
        self.lines: dict[tuple[str, str], list[Any]] = {}

    def add(
        self,
        section: str,
        part_number: str,
        quantity: int,
        reason: str,
        description: str | None = None,
    ) -> None:
        """Add ``quantity`` of a part; zero quantities are skipped."""
        if quantity <= 0:
            return
        line = self.lines.get((section, part_number))
        if line is None:
            if description is None:
                description = self.catalog.part(part_number).description
            self.lines[(section, part_number)] = [description, int(quantity), [reason]]
            return
        if description is None and part_number not in self.catalog.parts:
            self.catalog.part(part_number)  # raises CatalogError naming the part
        line[1] += int(quantity)
        if reason not in line[2]:
            line[2].append(reason)

    def build(self, reference: bool) -> list[BomLine]:
        """Lines sorted by section, then by the part's catalog position (seed table order)."""
        parts = self.catalog.parts
        rows = []
        for (section, pn), (description, quantity, reasons) in self.lines.items():
            part = parts.get(pn)
            order = part.order if part is not None else -1
            rows.append(
                (_SECTION_ORDER[section], order, pn, section, description, quantity, reasons)
            )
        rows.sort()  # (section, part number) is unique: the sort never compares past them
        return [
            _line(pn, description, quantity, section, " ".join(reasons), reference)
            for _, _, pn, section, description, quantity, reasons in rows
        ]


def _line(
    pn: str, description: str, quantity: int, section: str, reason: str, reference: bool
) -> BomLine:
    """``BomLine(...)`` built without the frozen dataclass's setattr calls (~70 a sizing)."""
    return frozen.build(
        BomLine,
        {
            "part_number": pn,
            "description": description,
            "quantity": quantity,
            "section": section,
            "reason": reason,
            "reference_hardware": reference,
        },
    )


def _node_lines(b: BomBuilder, node: NodePlan, n: int) -> None:
    p, g = node.profile, node.gpu
    gpus = n * node.gpus_per_node
    b.add("compute", p.server_part_number, n, "One server per node.")
    b.add(
        "compute",
        node.platform.gpu_base_part_number,
        n,
        f"One {node.platform.name} GPU base per node.",
    )
    b.add(
        "compute",
        p.cpu_part_number,
        n * node.platform.sockets,
        f"{node.platform.sockets} processors per node.",
    )
    b.add(
        "compute",
        node.dimm.part_number,
        n * node.dimm_count,
        f"Memory rule: >= {node.memory_required_gb:.0f} GB (2x GPU memory) "
        f"in all {node.dimm_count} slots; "
        f"smallest DIMM that fits is {node.dimm.size_gb} GB ({node.memory_gb} GB per node).",
    )
    b.add(
        "compute",
        p.boot_drive_part_number,
        n * p.boot_drive_count,
        f"{p.boot_drive_count} M.2 boot drives per node.",
    )
    b.add(
        "compute",
        p.data_drive_part_number,
        n * node.data_drives,
        f"{node.data_drives} E1.S data drives per node.",
    )
    b.add(
        "compute",
        p.e1s_filler_part_number,
        n * node.fillers,
        f"One filler per empty E1.S bay ({node.fillers} per node).",
    )
    if node.bridges:
        b.add(
            "compute",
            g.bridge_part_number,
            n * node.bridges,
            f"{g.bridges_per_pair} NVLink bridges per GPU pair ({node.bridges} per node).",
        )
    b.add(
        "compute",
        node.fabric_adapter.part_number,
        n * node.adapters,
        f"Fabric rule: {node.gpus_per_node} GPUs x 200 Gb = {node.compute_ports} x "
        f"{node.fabric_adapter.port_speed_gbps:.0f} Gb ports = {node.compute_adapters} adapters, "
        f"plus {node.storage_adapters} for storage, per node.",
    )
    b.add(
        "compute",
        p.ocp_adapter_part_number,
        n,
        "One OCP adapter per node (management / virtualisation).",
    )
    if node.dpu is not None:
        b.add(
            "compute",
            node.dpu.part_number,
            n * p.dpu_count,
            f"{p.dpu_count} DPU per node (north-south).",
        )
    _gpu_line(b, node, gpus)
    b.add(
        "compute",
        p.psu_part_number,
        n * node.platform.psu_count,
        f"{node.platform.psu_count} power supplies per node.",
    )
    b.add(
        "compute",
        p.psu_power_cable_part_number,
        n * node.platform.psu_count,
        "One power cable per power supply.",
    )
    _fixed_parts(b, node, n)


def _gpu_line(b: BomBuilder, node: NodePlan, gpus: int) -> None:
    g = node.gpu
    if g.part_number:
        b.add("compute", g.part_number, gpus, f"{node.gpus_per_node} GPUs per node.")
        return
    b.add(
        "compute",
        "",
        gpus,
        f"{node.gpus_per_node} GPUs per node (reference hardware).",
        description=f"{g.name} — reference hardware, no part number in this architecture",
    )


def _fixed_parts(b: BomBuilder, node: NodePlan, n: int) -> None:
    per = {"node": n, "cpu": n * node.platform.sockets, "gpu": n * node.gpus_per_node}
    for part in b.catalog.node_parts_of(node.profile.slug):
        b.add(part.section, part.part_number, part.quantity * per[part.per], part.rule)


def _switch_lines(b: BomBuilder, section: str, switch: Switch, count: int, why: str) -> None:
    b.add(section, switch.machine_type_part_number, count, why)
    b.add(section, switch.part_number, count, why)
    b.add(
        section,
        switch.power_cord_part_number,
        count * switch.power_cords,
        f"{switch.power_cords} power cords per switch.",
    )
    b.add(section, switch.rack_kit_part_number, count, "One rack kit per switch.")
    b.add(section, switch.hardware_class_part_number, count, "Hardware class marker per switch.")
    if switch.support_part_number:
        b.add("services", switch.support_part_number, count, "Support service per switch.")
    if switch.mgmt_uplink_part_number:
        b.add(
            section,
            switch.mgmt_uplink_part_number,
            count,
            "Uplink cable of each management switch.",
        )


def _fabric_lines(b: BomBuilder, fabric: Fabric, label: str, cables: CablePlan) -> None:
    why = f"{label}: {fabric.switches} switches ({fabric.topology}, {fabric.tiers} tier(s))."
    _switch_lines(b, "fabric", fabric.switch, fabric.switches, why)
    for line in cables.lines:
        if line.part_number:
            b.add("fabric", line.part_number, line.quantity, line.reason)


def _mgmt_lines(b: BomBuilder, node: NodePlan, plan: ClusterPlan, length_m: float) -> None:
    c, a_len, n = b.catalog, node.profile.mgmt_cables_per_node, plan.nodes
    cables = sorted(
        (cb for cb in c.cables if cb.kind == "mgmt" and cb.length_m == length_m),
        key=lambda cb: cb.colour,
    )
    if a_len and not cables:
        raise CatalogError(f"no {length_m} m management cable in cables")
    for i in range(a_len):
        cable = cables[i % len(cables)]
        b.add(
            "management",
            cable.part_number,
            n,
            f"{a_len} Cat5e cables per node to the management switch ({cable.colour}).",
        )
    mgmt = c.management_switch()
    _switch_lines(
        b,
        "management",
        mgmt,
        plan.mgmt_switches,
        f"{plan.mgmt_ports} management ports / {mgmt.ports} per switch.",
    )


def _switch_mgmt_cables(b: BomBuilder, plan: ClusterPlan, same_m: float, cross_m: float) -> None:
    yellow = sorted(
        (cb for cb in b.catalog.cables if cb.kind == "mgmt" and cb.colour == "yellow"),
        key=lambda cb: cb.length_m,
    )

    def cable_for(length: float) -> str:
        return next(cb.part_number for cb in yellow if cb.length_m >= length)

    fabrics = [plan.compute] + ([plan.dpu] if plan.dpu else [])
    homes = set(plan.mgmt_racks)
    for fabric in fabrics:
        in_racks = fabric.design != "rail_optimised"
        local = sum(1 for rack in fabric.leaf_racks if in_racks and rack in homes)
        for count, length in ((local, same_m), (len(fabric.leaf_racks) - local, cross_m)):
            b.add(
                "management",
                cable_for(length),
                count,
                "Switch management port: short cable in the management switch's rack, "
                "3 m from another rack.",
            )
        b.add(
            "management",
            cable_for(cross_m),
            fabric.spines + fabric.cores,
            "Spine/core switch management port, from another rack.",
        )


def _licenses(b: BomBuilder, node: NodePlan, plan: ClusterPlan, deployment: str) -> None:
    n, gpus = plan.nodes, plan.nodes * node.gpus_per_node
    units = {
        "per_gpu": gpus,
        "per_cpu_socket": n * node.platform.sockets,
        "per_server": n,
        "per_endpoint": n,
        "per_4_gpus": math.ceil(gpus / 4),
        "per_cluster": 1,
        "per_switch": plan.compute.switches,
    }
    for lic in b.catalog.licenses:
        if lic.applies_to in ("all", deployment):
            section = "software" if lic.kind == "software" else "services"
            b.add(
                section,
                lic.part_number,
                units[lic.unit],
                f"Licensed {lic.unit.replace('_', ' ')} ({units[lic.unit]}).",
            )


def build_bom(
    catalog: CatalogSnapshot,
    node: NodePlan,
    plan: ClusterPlan,
    deployment: str,
    mgmt_lengths: tuple[float, float, float],
    cables: tuple[CablePlan, CablePlan | None],
) -> list[BomLine]:
    """Every line of the cluster's bill of materials (items to be confirmed stay out)."""
    b = BomBuilder(catalog)
    _node_lines(b, node, plan.nodes)
    _fabric_lines(b, plan.compute, "Compute fabric", cables[0])
    if plan.dpu is not None and cables[1] is not None:
        _fabric_lines(b, plan.dpu, "DPU north-south network", cables[1])
    _mgmt_lines(b, node, plan, mgmt_lengths[0])
    _switch_mgmt_cables(b, plan, mgmt_lengths[1], mgmt_lengths[2])
    _licenses(b, node, plan, deployment)
    return b.build(node.gpu.reference)
