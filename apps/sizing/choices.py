"""Choices and defaults of the sizing wizard (labels in a sales engineer's words)."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    INFERENCE = "inference", "Inference — serve a model to users"
    PRETRAINING = "pretraining", "Pre-training — train a model from scratch"
    FULL_FINETUNE = "full_finetune", "Full fine-tuning"
    LORA = "lora", "LoRA fine-tuning"
    QLORA = "qlora", "QLoRA fine-tuning (4-bit base model)"


TRAINING_KINDS = (Kind.PRETRAINING, Kind.FULL_FINETUNE, Kind.LORA, Kind.QLORA)


class ModelSource(models.TextChoices):
    LIBRARY = "library", "From the model library"
    CUSTOM = "custom", "Custom model (enter its shape or upload config.json)"


class Precision(models.TextChoices):
    BF16 = "bf16", "BF16 (16-bit, the usual choice)"
    FP16 = "fp16", "FP16 (16-bit)"
    FP8 = "fp8", "FP8 (8-bit floating point; Hopper and Ada GPUs)"
    INT8 = "int8", "INT8 (8-bit weights)"
    INT4 = "int4", "INT4 (4-bit weights)"


# The engine's rule: training runs in bf16, fp16 or fp8; inference also in int8 and int4.
TRAINING_PRECISIONS = (Precision.BF16, Precision.FP16, Precision.FP8)
# Precisions that need the GPU's own tensor-core support (a TFLOPS figure in the catalog).
HARDWARE_PRECISIONS = ("fp8", "int8")


class Fabric(models.TextChoices):
    AUTO = "auto", "Choose for me (compare both)"
    INFINIBAND = "infiniband", "InfiniBand (NDR)"
    ETHERNET = "ethernet", "Ethernet (RoCE)"


class Deployment(models.TextChoices):
    BARE_METAL = "bare_metal", "Bare metal"
    VIRTUAL = "virtual", "Virtualised"


class Redundancy(models.TextChoices):
    N0 = "n+0", "None (N+0)"
    N1 = "n+1", "One spare node (N+1)"


AUTO_GPU = "auto"
DEFAULT_MODEL = "llama-2-70b"

# Sensible starting points per workload kind: (training tokens in billions, target days).
TRAINING_DEFAULTS: dict[str, tuple[str, str]] = {
    Kind.PRETRAINING: ("1000", "30"),
    Kind.FULL_FINETUNE: ("10", "7"),
    Kind.LORA: ("1", "2"),
    Kind.QLORA: ("1", "2"),
}

# Assumption labels for the "why" panel (the engine's names stay the input names).
ASSUMPTION_LABELS: dict[str, str] = {
    "mfu_nvswitch": "Model FLOPS utilisation, NVSwitch GPUs",
    "mfu_nvlink_bridge": "Model FLOPS utilisation, NVLink-bridged GPUs",
    "mfu_pcie": "Model FLOPS utilisation, PCIe-only GPUs",
    "fp8_mfu_factor": "FP8 utilisation factor",
    "goodput": "Goodput (useful share of training time)",
    "eff_mem": "Memory-bandwidth efficiency (inference decode)",
    "eff_compute": "Compute efficiency (inference prefill)",
    "usable_memory_fraction": "Usable share of GPU memory",
    "framework_overhead_gb": "Framework overhead per GPU (GB)",
    "inference_workspace_gb": "Inference workspace per GPU (GB)",
    "int4_bytes_per_param": "Bytes per parameter at INT4",
    "qlora_bytes_per_param": "Bytes per parameter of a QLoRA base model",
    "max_batch_per_replica": "Largest batch per replica",
    "allreduce_latency_us": "All-reduce latency (µs)",
    "pcie_p2p_gbps": "PCIe peer-to-peer bandwidth (Gb/s)",
    "rack_power_budget_kw": "Rack power budget (kW)",
    "max_nodes_per_rack": "Most nodes per rack",
    "rack_units_per_rack": "Rack units per rack",
    "switches_per_network_rack": "Switches per network rack",
    "fabric_gbps_per_gpu": "Compute fabric per GPU (Gb/s)",
    "memory_to_gpu_ratio": "System memory ÷ GPU memory",
    "node_mgmt_cable_m": "Node management cable length (m)",
    "mgmt_cable_same_rack_m": "Management cable in the same rack (m)",
    "mgmt_cable_cross_rack_m": "Management cable to another rack (m)",
    "btu_per_w": "BTU/h per watt",
    "training_flops_per_param_token": "Training FLOPs per parameter and token",
    "full_recompute_flops_per_param_token": "FLOPs per parameter and token, full recompute",
    "lora_flops_per_param_token": "LoRA FLOPs per parameter and token",
    "data_drive_tb": "Data drive size (TB)",
}
