"""Words for the workload specification's choices (labels in a sales engineer's words).

The values are the engine's (apps/sizing/engine/spec.py); this module only names them, and
checks at import that it names exactly the engine's values.
"""

from __future__ import annotations

from django.db import models

from apps.sizing.engine import spec


class Kind(models.TextChoices):
    INFERENCE = "inference", "Inference — serve a model to users"
    PRETRAINING = "pretraining", "Pre-training — train a model from scratch"
    FULL_FINETUNE = "full_finetune", "Full fine-tuning"
    LORA = "lora", "LoRA fine-tuning"
    QLORA = "qlora", "QLoRA fine-tuning (4-bit base model)"


class ModelSource(models.TextChoices):
    LIBRARY = "library", "From the model library"
    CUSTOM = "custom", "Custom model (enter its shape or upload config.json)"


class Mode(models.TextChoices):
    """Size mode finds the node count; capacity mode evaluates a given one (engine: `nodes`)."""

    SIZE = "size", "Find the smallest cluster that meets the workload"
    CAPACITY = "capacity", "Evaluate a fixed number of nodes"


class Precision(models.TextChoices):
    BF16 = "bf16", "BF16 (16-bit, the usual choice)"
    FP16 = "fp16", "FP16 (16-bit)"
    FP8 = "fp8", "FP8 (8-bit floating point; Hopper and Ada GPUs)"
    INT8 = "int8", "INT8 (8-bit weights)"
    INT4 = "int4", "INT4 (4-bit weights)"


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


RECOMPUTE_LABELS = {
    "none": "None (keep every activation)",
    "selective": "Selective (flash attention)",
    "full": "Full (recompute every layer)",
}
KV_LABELS = {
    "bf16": "BF16",
    "fp16": "FP16",
    "fp8": "FP8",
    "int8": "INT8",
}

# Engine path -> {value: words}.
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "kind": dict(Kind.choices),
    "precision": dict(Precision.choices),
    "fabric": dict(Fabric.choices),
    "deployment": dict(Deployment.choices),
    "redundancy": dict(Redundancy.choices),
    "training.recompute": RECOMPUTE_LABELS,
    "inference.kv_cache_precision": KV_LABELS,
}
if set(Kind.values) != set(spec.KINDS) or set(Mode.values) != set(spec.MODES):
    raise RuntimeError("sizing choices: kinds or modes differ from the workload specification")
for _path, _labels in CHOICE_LABELS.items():
    if set(_labels) != set(spec.BY_PATH[_path].all_choices()):
        raise RuntimeError(f"sizing choices: labels of {_path} differ from the specification")
