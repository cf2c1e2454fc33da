"""Choices and defaults of the sizing wizard (labels in a sales engineer's words)."""

from __future__ import annotations

from django.db import models

from apps.sizing.engine import spec


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

# Assumption labels for the "why" panel, from the engine's workload specification.
ASSUMPTION_LABELS: dict[str, str] = {
    i.key: i.label if i.unit in ("", "fraction", "ratio") else f"{i.label} ({i.unit})"
    for i in spec.ASSUMPTIONS
}
