"""Shared storage a training or serving cluster needs (the seed lists storage as an option).

Training (visible assumptions in brackets):
    checkpoint       = parameters × [checkpoint_bytes_per_param]
    capacity         = [checkpoints_kept] × checkpoint + tokens × [dataset_bytes_per_token]
    cluster MTBF  M  = [gpu_mtbf_hours] / GPUs
    Young/Daly:  interval τ = sqrt(2 δ M) for a checkpoint taking δ; the share of the run
                 spent writing is δ/τ = sqrt(δ / 2M), so a share s allows δ ≤ 2 M s²
    write bandwidth  = checkpoint / (2 M s²),   with s = [checkpoint_share_max], τ = 2 M s
    read bandwidth   = training tokens/s × [dataset_bytes_per_token]
Inference:
    model load bandwidth = weights × replicas / [model_load_target_s]
The engine names the requirement; no storage product is sourced in the catalog, so no BoM line.
"""

from __future__ import annotations

import math
from typing import Any

from .catalog import LlmModel
from .workload import Workload
from .workplan import GpuPlan

WEIGHT_BYTES = {"bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0}
NO_PRODUCT = (
    "No storage product with a sourced part number is in the catalog (the seed names Lenovo "
    "DM or DE series without part numbers): requirement only, no BoM line."
)


def storage(w: Workload, model: LlmModel, plan: GpuPlan, gpus: int) -> dict[str, Any]:
    """The storage requirement with its formulas and inputs."""
    a = w.assumptions
    params = model.params_b * 1e9
    if w.kind == "inference":
        per_param = WEIGHT_BYTES.get(w.precision, a.int4_bytes_per_param)
        weights = params * per_param
        replicas = int((plan.inference or {}).get("replicas") or 1)
        bandwidth = weights * replicas / a.model_load_target_s
        return {
            "kind": "inference",
            "capacity_tb": round(weights / 1e12, 3),
            "read_gbps": round(bandwidth / 1e9, 2),
            "model_load_s": a.model_load_target_s,
            "formula": "read GB/s = weights × replicas / model_load_target_s",
            "inputs": {
                "weights_gb": round(weights / 1e9, 1),
                "replicas": replicas,
                "model_load_target_s": a.model_load_target_s,
            },
            "product": NO_PRODUCT,
        }
    training = plan.training or {}
    tokens = float(training.get("tokens") or (w.training.tokens if w.training else 0.0))
    checkpoint = params * a.checkpoint_bytes_per_param
    dataset = tokens * a.dataset_bytes_per_token
    mtbf_h = a.gpu_mtbf_hours / max(1, gpus)
    share = a.checkpoint_share_max
    write_s = 2 * mtbf_h * share**2 * 3600
    interval_h = 2 * mtbf_h * share
    per_gpu = float(training.get("tokens_per_s_per_gpu") or 0.0)
    read = per_gpu * gpus * a.dataset_bytes_per_token
    return {
        "kind": "training",
        "checkpoint_tb": round(checkpoint / 1e12, 3),
        "dataset_tb": round(dataset / 1e12, 3),
        "capacity_tb": round((a.checkpoints_kept * checkpoint + dataset) / 1e12, 3),
        "cluster_mtbf_h": round(mtbf_h, 2),
        "checkpoint_interval_h": round(interval_h, 3),
        "checkpoint_write_s": round(write_s, 1),
        "write_gbps": round(checkpoint / write_s / 1e9, 4) if write_s > 0 else math.inf,
        "read_gbps": round(read / 1e9, 4),
        "formula": {
            "capacity": "checkpoints_kept × params × checkpoint_bytes_per_param + "
            "tokens × dataset_bytes_per_token",
            "interval": "Young/Daly τ = sqrt(2 × write_time × MTBF) = 2 × MTBF × share",
            "write": "checkpoint / (2 × MTBF × share²), MTBF = gpu_mtbf_hours / GPUs",
            "read": "tokens/s × dataset_bytes_per_token",
        },
        "inputs": {
            "params_b": model.params_b,
            "checkpoint_bytes_per_param": a.checkpoint_bytes_per_param,
            "checkpoints_kept": a.checkpoints_kept,
            "tokens": tokens,
            "dataset_bytes_per_token": a.dataset_bytes_per_token,
            "gpus": gpus,
            "gpu_mtbf_hours": a.gpu_mtbf_hours,
            "checkpoint_share_max": share,
            "tokens_per_s": round(per_gpu * gpus, 1),
        },
        "product": NO_PRODUCT,
    }
