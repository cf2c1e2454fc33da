"""Precision and GPU helpers shared by the training and inference models."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Gpu
from .collectives import Link
from .workload import Assumptions

BYTES_PER_PARAM = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}
GB = 1e9


MIB = 1024.0 * 1024.0


def device_memory_bytes(gpu: Gpu) -> float:
    """Bytes of memory the GPU exposes: the catalog's ``memory_mib`` (nvidia-smi's total; GPUs
    are sold by binary capacity, "80 GB" HBM is 5 stacks of 16 GiB, less what the driver keeps:
    H100 81,559 of 81,920 MiB, L40S's GDDR6 with ECC on 46,068 of 49,152), else memory_gb x 1e9
    (docs/sizing-engine.md, "Held-out points, session 6")."""
    mib = gpu.memory_mib
    return mib * MIB if mib is not None else gpu.memory_gb * GB


def device_memory_source(gpu: Gpu) -> str:
    """Where ``device_memory_bytes`` comes from, to show beside the figure."""
    if gpu.memory_mib is None:
        return f"catalog memory_gb {gpu.memory_gb:g} x 1e9 bytes (no memory_mib in the catalog)"
    return f"catalog memory_mib {gpu.memory_mib:,} MiB ({gpu.memory_mib_source or 'no source'})"


def bytes_per_param(precision: str, a: Assumptions) -> float:
    """Bytes per weight at a precision (int4 carries its group scales)."""
    return a.int4_bytes_per_param if precision == "int4" else BYTES_PER_PARAM[precision]


def compute_precision(precision: str) -> str:
    """Tensor-core precision used for the math: int4 is weight-only, so it computes in bf16."""
    return "bf16" if precision == "int4" else precision


def peak_flops(gpu: Gpu, precision: str) -> float | None:
    """Dense peak FLOP/s of the GPU at a precision, or None when unsupported."""
    tflops = gpu.tflops.get(compute_precision(precision))
    return None if tflops is None else tflops * 1e12


def tp_candidates(heads: int, gpus_per_node: int) -> list[int]:
    """Tensor-parallel degrees: powers of two within a node that divide the attention heads."""
    out, tp = [], 1
    while tp <= gpus_per_node:
        if heads % tp == 0 and gpus_per_node % tp == 0:
            out.append(tp)
        tp *= 2
    return out


def link_gbps(gpu: Gpu, tp: int, a: Assumptions) -> float:
    """Per-direction GPU-to-GPU bandwidth for a TP group (PCIe when it crosses the link domain)."""
    if tp <= gpu.link_domain and gpu.link != "pcie":
        return gpu.link_bandwidth_gbps / 2
    return a.pcie_p2p_gbps


# ----------------------------------------------------------------------------- links and NICs
# Which link a group of GPUs communicates over, and how well each GPU runs the math. Used by the
# training step model (engine/training/step.py) and the serving model; costs in collectives.py.

SRC_LINKS = (
    "NVIDIA datasheets (NVLink 4 900 GB/s, NVLink bridge 600 GB/s, PCIe Gen5 x16 64 GB/s per "
    "direction); achieved fractions as NCCL bus bandwidth (nccl-tests PERFORMANCE.md)"
)
SRC_NIC = (
    "seed 'Design recommendations' (200 Gb/s per GPU); InfiniBand vs RoCE protocol efficiency "
    "(NCCL bus bandwidth across nodes)"
)


@dataclass(frozen=True)
class LinkParams:
    """Achieved fractions and hop latencies of GPU links and NICs (visible assumptions)."""

    nvlink_efficiency: float = 0.80
    nvlink_latency_us: float = 2.0
    pcie_p2p_gbps: float = 25.0  # achieved P2P through the CPU root complex, per direction
    pcie_latency_us: float = 5.0
    fabric_gbps_per_gpu: float = 200.0  # Gb/s of compute fabric per GPU (seed); 400 option
    infiniband_efficiency: float = 0.90
    infiniband_latency_us: float = 5.0
    ethernet_efficiency: float = 0.80
    ethernet_latency_us: float = 8.0


def pcie_link(p: LinkParams) -> Link:
    """GPU-to-GPU over PCIe through the CPU root complex (L40S; bridged GPUs beyond a pair)."""
    return Link("pcie", p.pcie_p2p_gbps, 1.0, p.pcie_latency_us, SRC_LINKS)


def gpu_link(gpu: Gpu, group: int, p: LinkParams) -> Link:
    """The bottleneck link of ``group`` GPUs of one node: NVSwitch for any group on SXM; an
    NVLink bridge only for a pair on SR675 V3 PCIe GPUs; otherwise PCIe (L40S has no NVLink)."""
    per_direction = gpu.link_bandwidth_gbps / 2
    if gpu.link == "nvswitch" and group <= max(gpu.link_domain, 1):
        return Link("nvswitch", per_direction, p.nvlink_efficiency, p.nvlink_latency_us, SRC_LINKS)
    if gpu.link == "nvlink_bridge" and group <= max(gpu.link_domain, 1):
        return Link(
            "nvlink_bridge", per_direction, p.nvlink_efficiency, p.nvlink_latency_us, SRC_LINKS
        )
    return pcie_link(p)


def fabric_link(fabric: str, p: LinkParams) -> Link:
    """One GPU's share of the compute fabric: NIC Gb/s per GPU ÷ 8 × protocol efficiency."""
    gbps = p.fabric_gbps_per_gpu / 8
    if fabric == "infiniband":
        return Link("infiniband", gbps, p.infiniband_efficiency, p.infiniband_latency_us, SRC_NIC)
    return Link("ethernet", gbps, p.ethernet_efficiency, p.ethernet_latency_us, SRC_NIC)


def group_link(gpu: Gpu, per_node: int, nodes: int, fabric: str, p: LinkParams) -> Link:
    """Bottleneck of a ring of ``per_node`` GPUs on each of ``nodes`` nodes. Within one node it
    is the GPU link; across nodes the ``per_node`` members share as many NICs (one per GPU, as in
    the seed's rail design), so each sees ``per_node`` × NIC unless the GPU link is slower."""
    inside = gpu_link(gpu, per_node, p)
    if nodes <= 1:
        return inside
    nic = fabric_link(fabric, p)
    scaled = per_node * nic.bytes_per_s
    if inside.bytes_per_s <= scaled:
        return Link(
            inside.kind,
            inside.gbps,
            inside.efficiency,
            max(inside.latency_us, nic.latency_us),
            inside.source,
        )
    return Link(nic.kind, nic.gbps * per_node, nic.efficiency, nic.latency_us, nic.source)


# ----------------------------------------------------------------------------- GPU efficiencies


@dataclass(frozen=True)
class GpuEfficiency:
    """Achievable fractions of a GPU's peak for the parts of a training step."""

    matmul: float  # large dense bf16/fp8 GEMMs, fraction of dense peak
    attention: float  # fused (flash) attention forward + backward, fraction of dense peak
    memory: float  # memory-bound kernels (norms, activations, optimizer), fraction of HBM BW
    moe_gemm: float  # expert (grouped) GEMMs relative to ``matmul``
    fp8_matmul: float  # fp8 GEMMs, fraction of the fp8 dense peak
    source: str


SRC_EFF = "calibrated on public runs: docs/sizing-engine.md 'Training calibration'"
EFFICIENCY: dict[str, GpuEfficiency] = {
    "a100-sxm4-80gb": GpuEfficiency(0.72, 0.55, 0.75, 0.60, 0.0, SRC_EFF),
    "h100-sxm5-80gb": GpuEfficiency(0.60, 0.45, 0.75, 0.60, 0.56, SRC_EFF),
    "h200-sxm-141gb": GpuEfficiency(0.60, 0.45, 0.75, 0.60, 0.56, SRC_EFF),
    "h100-nvl-94gb": GpuEfficiency(0.56, 0.42, 0.75, 0.60, 0.52, SRC_EFF),
    "h100-pcie-80gb": GpuEfficiency(0.56, 0.42, 0.75, 0.60, 0.52, SRC_EFF),
    "l40s-48gb": GpuEfficiency(0.60, 0.40, 0.75, 0.60, 0.45, SRC_EFF + " (L40S: no published run)"),
}
DEFAULT_EFFICIENCY = GpuEfficiency(0.60, 0.40, 0.70, 0.60, 0.45, "default for an unlisted GPU")


def efficiency(gpu: Gpu) -> GpuEfficiency:
    """Achievable fractions of this GPU's peak (per-GPU table; a default for others)."""
    return EFFICIENCY.get(gpu.slug, DEFAULT_EFFICIENCY)
