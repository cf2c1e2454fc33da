"""Precision and GPU helpers shared by the training and inference models."""

from __future__ import annotations

from .catalog import Gpu
from .workload import Assumptions

BYTES_PER_PARAM = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}
GB = 1e9


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
