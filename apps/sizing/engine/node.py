"""Node plan: how one SR675 V3 node is built.

Seed sections "Server configuration" and "Design recommendations"; Tables 1-4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import CatalogSnapshot, Cpu, Dimm, Gpu, NetworkAdapter, NodeProfile, Platform
from .errors import SizingInputError
from .workload import Assumptions, Workload


@dataclass(frozen=True, kw_only=True)
class NodePlan:
    """The parts and figures of one node."""

    profile: NodeProfile
    platform: Platform
    gpu: Gpu
    gpus_per_node: int
    cpu: Cpu
    dimm: Dimm
    dimm_count: int
    memory_required_gb: float
    fabric_adapter: NetworkAdapter
    compute_ports: int
    compute_adapters: int
    storage_adapters: int
    dpu: NetworkAdapter | None
    bridges: int
    data_drives: int
    fillers: int
    power_w: float

    @property
    def memory_gb(self) -> int:
        """System memory installed."""
        return self.dimm.size_gb * self.dimm_count

    @property
    def fabric_gbps_per_gpu(self) -> float:
        """Compute fabric bandwidth per GPU."""
        return self.compute_ports * self.fabric_adapter.port_speed_gbps / self.gpus_per_node

    @property
    def adapters(self) -> int:
        """Fabric adapters per node (compute plus storage)."""
        return self.compute_adapters + self.storage_adapters


def choose_profile(catalog: CatalogSnapshot, w: Workload, fabric: str) -> NodeProfile:
    """The named profile, else the best match for deployment and fabric (DPU builds by name)."""
    if w.node_profile:
        for profile in catalog.profiles:
            if profile.slug == w.node_profile:
                return profile
        known = ", ".join(p.slug for p in catalog.profiles)
        raise SizingInputError.single("node_profile", f"unknown node profile; one of {known}")
    scored = [
        (_score(p, w.deployment, fabric), -i, p)
        for i, p in enumerate(catalog.profiles)
        if p.dpu_count == 0
    ]
    scored = [s for s in scored if s[0] >= 0]
    if not scored:
        raise SizingInputError.single(
            "deployment", "no node profile for this deployment and fabric"
        )
    return max(scored, key=lambda s: (s[0], s[1]))[2]


def _score(profile: NodeProfile, deployment: str, fabric: str) -> int:
    score = 0
    for have, want in ((profile.deployment, deployment), (profile.fabric, fabric)):
        if have == want:
            score += 1
        elif have != "any":
            return -1
    return score


def gpus_per_node(platform: Platform, gpu: Gpu, w: Workload) -> int:
    """GPUs in a node: the input, else a full GPU base (8 on an SXM baseboard)."""
    slots = 8 if gpu.form_factor == "sxm" else platform.gpu_slots
    if w.gpus_per_node is not None and w.gpus_per_node > slots:
        raise SizingInputError.single(
            "gpus_per_node", f"at most {slots} for {gpu.name} on {platform.name}"
        )
    return w.gpus_per_node or slots


def choose_dimm(catalog: CatalogSnapshot, platform: Platform, required_gb: float) -> Dimm:
    """Smallest DIMM that, in every slot, gives at least the required memory."""
    for dimm in catalog.dimms:
        if dimm.size_gb * platform.dimm_slots >= required_gb:
            return dimm
    largest = catalog.dimms[-1]
    raise SizingInputError.single(
        "gpus_per_node",
        f"{required_gb:.0f} GB of system memory exceeds {platform.dimm_slots} × "
        f"{largest.size_gb} GB; use fewer GPUs per node",
    )


def _fabric(
    catalog: CatalogSnapshot, profile: NodeProfile, gpn: int, a: Assumptions
) -> tuple[NetworkAdapter, int, int]:
    adapter = catalog.adapters[profile.fabric_adapter_part_number]
    ports = math.ceil(gpn * a.fabric_gbps_per_gpu / adapter.port_speed_gbps)
    return adapter, ports, math.ceil(ports / adapter.ports)


def _drives(profile: NodeProfile, nodes: int, storage_tb: float | None, drive_tb: float) -> int:
    if not storage_tb:
        return profile.data_drive_count
    needed = math.ceil(storage_tb / (nodes * drive_tb) - 1e-9)
    return max(profile.data_drive_count, needed)


def plan_node(catalog: CatalogSnapshot, w: Workload, gpu: Gpu, fabric: str, nodes: int) -> NodePlan:
    """Build the node: CPUs, memory rule, fabric rule, bridges, drives and power."""
    profile = choose_profile(catalog, w, fabric)
    platform = catalog.platforms[profile.platform]
    gpn = gpus_per_node(platform, gpu, w)
    cpu = catalog.cpus[profile.cpu_part_number]
    required = w.assumptions.memory_to_gpu_ratio * gpn * gpu.memory_gb
    dimm = choose_dimm(catalog, platform, required)
    adapter, ports, compute_adapters = _fabric(catalog, profile, gpn, w.assumptions)
    dpu = catalog.adapters[profile.dpu_part_number] if profile.dpu_count else None
    slots = compute_adapters + profile.storage_adapter_count + profile.dpu_count
    if slots > platform.pcie_slots_for_adapters:
        raise SizingInputError.single(
            "assumptions.fabric_gbps_per_gpu",
            f"needs {slots} adapters; the node has {platform.pcie_slots_for_adapters} slots",
        )
    drives = _drives(profile, nodes, w.storage_tb, w.assumptions.data_drive_tb)
    if drives > profile.e1s_bays:
        raise SizingInputError.single(
            "storage_tb", f"needs {drives} E1.S drives per node; {profile.e1s_bays} bays"
        )
    bridges = (gpn // 2) * gpu.bridges_per_pair if gpu.link == "nvlink_bridge" else 0
    power = gpn * gpu.tdp_w + platform.sockets * cpu.tdp_w + platform.platform_overhead_w
    return NodePlan(
        profile=profile,
        platform=platform,
        gpu=gpu,
        gpus_per_node=gpn,
        cpu=cpu,
        dimm=dimm,
        dimm_count=platform.dimm_slots,
        memory_required_gb=required,
        fabric_adapter=adapter,
        compute_ports=ports,
        compute_adapters=compute_adapters,
        storage_adapters=profile.storage_adapter_count,
        dpu=dpu,
        bridges=bridges,
        data_drives=drives,
        fillers=profile.e1s_bays - drives,
        power_w=power,
    )
