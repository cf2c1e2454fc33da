"""Workload input: dataclasses and ``parse_workload`` validating the JSON input field by field."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from .errors import SizingInputError

KINDS = ("pretraining", "full_finetune", "lora", "qlora", "inference")
TRAINING_KINDS = KINDS[:4]
PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")
TRAINING_PRECISIONS = ("bf16", "fp16", "fp8")
KV_PRECISIONS = ("bf16", "fp16", "fp8", "int8")
FABRICS = ("infiniband", "ethernet")
DEPLOYMENTS = ("bare_metal", "virtual")
REDUNDANCIES = ("n+0", "n+1")
RECOMPUTES = ("none", "selective", "full")
TOP_KEYS = {
    "kind",
    "model",
    "custom_model",
    "precision",
    "training",
    "inference",
    "gpu",
    "nodes",
    "gpus_per_node",
    "node_profile",
    "fabric",
    "deployment",
    "redundancy",
    "growth_headroom_pct",
    "storage_tb",
    "assumptions",
}
MAX_USERS = 10_000_000
MAX_TOKENS = 1e16


@dataclass(frozen=True)
class Assumptions:
    """Every tunable default of the engine; each can be overridden and appears in every result."""

    mfu_nvswitch: float = 0.40
    mfu_nvlink_bridge: float = 0.33
    mfu_pcie: float = 0.30
    fp8_mfu_factor: float = 0.75
    goodput: float = 0.88
    eff_mem: float = 0.45
    eff_compute: float = 0.55
    usable_memory_fraction: float = 0.90
    framework_overhead_gb: float = 3.0
    inference_workspace_gb: float = 1.5
    int4_bytes_per_param: float = 0.5625
    qlora_bytes_per_param: float = 0.55
    max_batch_per_replica: int = 256
    allreduce_latency_us: float = 8.0
    pcie_p2p_gbps: float = 25.0
    rack_power_budget_kw: float = 40.0
    max_nodes_per_rack: int = 8
    rack_units_per_rack: int = 42
    switches_per_network_rack: int = 16
    fabric_gbps_per_gpu: float = 200.0
    memory_to_gpu_ratio: float = 2.0
    node_mgmt_cable_m: float = 3.0
    mgmt_cable_same_rack_m: float = 0.6
    mgmt_cable_cross_rack_m: float = 3.0
    btu_per_w: float = 3.412
    training_flops_per_param_token: float = 6.0
    full_recompute_flops_per_param_token: float = 8.0
    lora_flops_per_param_token: float = 4.0
    data_drive_tb: float = 7.68

    def to_dict(self) -> dict[str, float | int]:
        """Return the assumptions as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


ASSUMPTION_LIMITS: dict[str, tuple[float, float]] = {
    "mfu_nvswitch": (0.01, 1.0),
    "mfu_nvlink_bridge": (0.01, 1.0),
    "mfu_pcie": (0.01, 1.0),
    "fp8_mfu_factor": (0.01, 1.0),
    "goodput": (0.01, 1.0),
    "eff_mem": (0.01, 1.0),
    "eff_compute": (0.01, 1.0),
    "usable_memory_fraction": (0.1, 1.0),
    "framework_overhead_gb": (0.0, 64.0),
    "inference_workspace_gb": (0.0, 64.0),
    "int4_bytes_per_param": (0.25, 1.0),
    "qlora_bytes_per_param": (0.25, 2.0),
    "max_batch_per_replica": (1, 65536),
    "allreduce_latency_us": (0.0, 10000.0),
    "pcie_p2p_gbps": (1.0, 1000.0),
    "rack_power_budget_kw": (1.0, 1000.0),
    "max_nodes_per_rack": (1, 64),
    "rack_units_per_rack": (10, 60),
    "switches_per_network_rack": (1, 40),
    "fabric_gbps_per_gpu": (1.0, 3200.0),
    "memory_to_gpu_ratio": (0.0, 16.0),
    "node_mgmt_cable_m": (0.1, 100.0),
    "mgmt_cable_same_rack_m": (0.1, 100.0),
    "mgmt_cable_cross_rack_m": (0.1, 100.0),
    "btu_per_w": (3.412, 3.413),
    "training_flops_per_param_token": (1.0, 20.0),
    "full_recompute_flops_per_param_token": (1.0, 20.0),
    "lora_flops_per_param_token": (1.0, 20.0),
    "data_drive_tb": (0.1, 1000.0),
}
INT_ASSUMPTIONS = {
    "max_batch_per_replica",
    "max_nodes_per_rack",
    "rack_units_per_rack",
    "switches_per_network_rack",
}


@dataclass(frozen=True)
class CustomModel:
    """A model defined by the user instead of a library slug."""

    name: str
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    ffn_size: int
    vocab_size: int
    context_length: int
    params_b: float
    active_params_b: float
    experts: int
    experts_per_token: int


@dataclass(frozen=True)
class TrainingInput:
    """Training workload fields."""

    tokens: float
    epochs: float = 1.0
    target_days: float | None = None
    sequence_length: int | None = None
    micro_batch_size: int = 1
    global_batch_size: int | None = None
    zero_stage: int = 1
    recompute: str = "selective"
    lora_rank: int = 16


@dataclass(frozen=True)
class InferenceInput:
    """Inference workload fields."""

    concurrent_users: int | None
    prompt_tokens: int = 1024
    output_tokens: int = 256
    target_tokens_per_s_per_user: float = 10.0
    target_ttft_s: float = 2.0
    kv_cache_precision: str | None = None


@dataclass(frozen=True)
class Workload:
    """A validated sizing request."""

    kind: str
    model_slug: str | None
    custom_model: CustomModel | None
    precision: str
    training: TrainingInput | None
    inference: InferenceInput | None
    gpu: str
    nodes: int | None
    gpus_per_node: int | None
    node_profile: str | None
    fabric: str
    deployment: str
    redundancy: str
    growth_headroom_pct: float
    storage_tb: float | None
    assumptions: Assumptions = field(default_factory=Assumptions)
    assumption_overrides: tuple[str, ...] = ()

    @property
    def capacity_mode(self) -> bool:
        """A fixed node count selects capacity mode."""
        return self.nodes is not None


class _Errors:
    """Collects field errors so every problem is reported at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise SizingInputError(self.errors)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(
    errs: _Errors,
    data: Mapping[str, Any],
    key: str,
    path: str,
    *,
    default: float | None,
    low: float,
    high: float,
    low_open: bool = False,
    required: bool = False,
) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            errs.add(path, "is required")
        return default
    if not _is_number(value):
        errs.add(path, f"must be a number, got {value!r}")
        return default
    too_low = value <= low if low_open else value < low
    if too_low or value > high:
        bound = f"> {low:g}" if low_open else f">= {low:g}"
        errs.add(path, f"must be {bound} and <= {high:g}, got {value!r}")
        return default
    return float(value)


def _integer(
    errs: _Errors,
    data: Mapping[str, Any],
    key: str,
    path: str,
    *,
    default: int | None,
    low: int,
    high: int,
    required: bool = False,
) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            errs.add(path, "is required")
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        errs.add(path, f"must be a whole number, got {value!r}")
        return default
    if value < low or value > high:
        errs.add(path, f"must be between {low} and {high}, got {value}")
        return default
    return value


def _choice(
    errs: _Errors,
    data: Mapping[str, Any],
    key: str,
    path: str,
    allowed: tuple[str, ...],
    default: str | None,
) -> str | None:
    value = data.get(key)
    if value is None:
        if default is None:
            errs.add(path, f"is required; one of {', '.join(allowed)}")
        return default
    if not isinstance(value, str) or value not in allowed:
        errs.add(path, f"must be one of {', '.join(allowed)}, got {value!r}")
        return default
    return value


def _mapping(errs: _Errors, data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errs.add(key, "must be an object")
        return None
    return value


def _unknown_keys(errs: _Errors, data: Mapping[str, Any], allowed: set[str], prefix: str) -> None:
    for key in data:
        if key not in allowed:
            errs.add(
                f"{prefix}{key}", f"is not a known field; allowed: {', '.join(sorted(allowed))}"
            )


def _custom_model(errs: _Errors, raw: Mapping[str, Any]) -> CustomModel | None:
    allowed = {
        "name",
        "layers",
        "hidden_size",
        "heads",
        "kv_heads",
        "ffn_size",
        "vocab_size",
        "context_length",
        "params_b",
        "active_params_b",
        "experts",
        "experts_per_token",
    }
    _unknown_keys(errs, raw, allowed, "custom_model.")
    p = "custom_model."
    ints = {
        k: _integer(errs, raw, k, p + k, default=None, low=1, high=hi, required=True)
        for k, hi in (
            ("layers", 1000),
            ("hidden_size", 131072),
            ("heads", 4096),
            ("kv_heads", 4096),
            ("ffn_size", 1048576),
            ("vocab_size", 4_000_000),
        )
    }
    context = _integer(
        errs, raw, "context_length", p + "context_length", default=4096, low=16, high=10_000_000
    )
    params = _number(
        errs,
        raw,
        "params_b",
        p + "params_b",
        default=None,
        low=0.0,
        high=100000.0,
        low_open=True,
        required=True,
    )
    active = _number(
        errs,
        raw,
        "active_params_b",
        p + "active_params_b",
        default=params,
        low=0.0,
        high=100000.0,
        low_open=True,
    )
    experts = _integer(errs, raw, "experts", p + "experts", default=1, low=1, high=1024)
    per_tok = _integer(
        errs, raw, "experts_per_token", p + "experts_per_token", default=1, low=1, high=1024
    )
    if None in ints.values() or params is None or active is None:
        return None
    _check_custom_shape(errs, ints, params, active, experts or 1, per_tok or 1)
    name = raw.get("name") if isinstance(raw.get("name"), str) else "Custom model"
    return CustomModel(
        str(name),
        ints["layers"] or 0,
        ints["hidden_size"] or 0,
        ints["heads"] or 0,
        ints["kv_heads"] or 0,
        ints["ffn_size"] or 0,
        ints["vocab_size"] or 0,
        context or 4096,
        params,
        active,
        experts or 1,
        per_tok or 1,
    )


def _check_custom_shape(
    errs: _Errors,
    ints: Mapping[str, int | None],
    params: float,
    active: float,
    experts: int,
    per_tok: int,
) -> None:
    heads, kv_heads = ints["heads"] or 1, ints["kv_heads"] or 1
    if kv_heads > heads or heads % kv_heads:
        errs.add("custom_model.kv_heads", "must divide heads")
    if active > params:
        errs.add("custom_model.active_params_b", "must not exceed params_b")
    if per_tok > experts:
        errs.add("custom_model.experts_per_token", "must not exceed experts")
    if experts > 1 and per_tok < experts and active >= params:
        errs.add("custom_model.active_params_b", "a mixture of experts needs active < total")


def _training(errs: _Errors, raw: Mapping[str, Any] | None, capacity: bool) -> TrainingInput | None:
    if raw is None:
        errs.add("training", "is required for training kinds")
        return None
    allowed = {
        "tokens",
        "epochs",
        "target_days",
        "sequence_length",
        "micro_batch_size",
        "global_batch_size",
        "zero_stage",
        "recompute",
        "lora_rank",
    }
    _unknown_keys(errs, raw, allowed, "training.")
    p = "training."
    tokens = _number(
        errs,
        raw,
        "tokens",
        p + "tokens",
        default=None,
        low=0.0,
        high=MAX_TOKENS,
        low_open=True,
        required=True,
    )
    epochs = _number(
        errs, raw, "epochs", p + "epochs", default=1.0, low=0.0, high=1000.0, low_open=True
    )
    days = _number(
        errs,
        raw,
        "target_days",
        p + "target_days",
        default=None,
        low=0.0,
        high=36500.0,
        low_open=True,
        required=not capacity,
    )
    seq = _integer(
        errs, raw, "sequence_length", p + "sequence_length", default=None, low=16, high=10_000_000
    )
    micro = _integer(
        errs, raw, "micro_batch_size", p + "micro_batch_size", default=1, low=1, high=4096
    )
    gbs = _integer(
        errs,
        raw,
        "global_batch_size",
        p + "global_batch_size",
        default=None,
        low=1,
        high=100_000_000,
    )
    zero = _integer(errs, raw, "zero_stage", p + "zero_stage", default=1, low=0, high=3)
    recompute = _choice(errs, raw, "recompute", p + "recompute", RECOMPUTES, "selective")
    rank = _integer(errs, raw, "lora_rank", p + "lora_rank", default=16, low=1, high=65536)
    if tokens is None:
        return None
    return TrainingInput(
        tokens,
        epochs or 1.0,
        days,
        seq,
        micro or 1,
        gbs,
        1 if zero is None else zero,
        recompute or "selective",
        rank or 16,
    )


def _inference(
    errs: _Errors, raw: Mapping[str, Any] | None, capacity: bool
) -> InferenceInput | None:
    if raw is None:
        if not capacity:
            errs.add("inference", "is required for kind inference")
            return None
        raw = {}
    allowed = {
        "concurrent_users",
        "prompt_tokens",
        "output_tokens",
        "target_tokens_per_s_per_user",
        "target_ttft_s",
        "kv_cache_precision",
        "requests_per_s",
    }
    _unknown_keys(errs, raw, allowed, "inference.")
    p = "inference."
    users = _integer(
        errs,
        raw,
        "concurrent_users",
        p + "concurrent_users",
        default=None,
        low=1,
        high=MAX_USERS,
        required=not capacity,
    )
    prompt = _integer(
        errs, raw, "prompt_tokens", p + "prompt_tokens", default=1024, low=1, high=10_000_000
    )
    output = _integer(
        errs, raw, "output_tokens", p + "output_tokens", default=256, low=1, high=10_000_000
    )
    speed = _number(
        errs,
        raw,
        "target_tokens_per_s_per_user",
        p + "target_tokens_per_s_per_user",
        default=10.0,
        low=0.0,
        high=100000.0,
        low_open=True,
    )
    ttft = _number(
        errs,
        raw,
        "target_ttft_s",
        p + "target_ttft_s",
        default=2.0,
        low=0.0,
        high=86400.0,
        low_open=True,
    )
    _number(
        errs,
        raw,
        "requests_per_s",
        p + "requests_per_s",
        default=None,
        low=0.0,
        high=1e9,
        low_open=True,
    )
    kv = raw.get("kv_cache_precision")
    kv_value = (
        _choice(errs, raw, "kv_cache_precision", p + "kv_cache_precision", KV_PRECISIONS, "bf16")
        if kv is not None
        else None
    )
    return InferenceInput(
        users, prompt or 1024, output or 256, speed or 10.0, ttft or 2.0, kv_value
    )


def _assumptions(
    errs: _Errors, raw: Mapping[str, Any] | None
) -> tuple[Assumptions, tuple[str, ...]]:
    if raw is None:
        return Assumptions(), ()
    values: dict[str, Any] = {}
    for key in raw:
        if key not in ASSUMPTION_LIMITS:
            errs.add(
                f"assumptions.{key}",
                f"is not a known assumption; allowed: {', '.join(sorted(ASSUMPTION_LIMITS))}",
            )
            continue
        low, high = ASSUMPTION_LIMITS[key]
        if key in INT_ASSUMPTIONS:
            parsed: float | int | None = _integer(
                errs, raw, key, f"assumptions.{key}", default=None, low=int(low), high=int(high)
            )
        else:
            parsed = _number(errs, raw, key, f"assumptions.{key}", default=None, low=low, high=high)
        if parsed is not None:
            values[key] = parsed
    return Assumptions(**values), tuple(sorted(values))


def _model_fields(errs: _Errors, data: Mapping[str, Any]) -> tuple[str | None, CustomModel | None]:
    slug, custom_raw = data.get("model"), _mapping(errs, data, "custom_model")
    if slug is not None and custom_raw is not None:
        errs.add("model", "give either model or custom_model, not both")
    if slug is None and custom_raw is None:
        errs.add("model", "is required (a library slug) unless custom_model is given")
    if slug is not None and not isinstance(slug, str):
        errs.add("model", f"must be a model slug, got {slug!r}")
        slug = None
    custom = _custom_model(errs, custom_raw) if custom_raw is not None else None
    return slug, custom


def _preferences(errs: _Errors, data: Mapping[str, Any], gpu: str) -> tuple[str, str, str]:
    fabric_default = "auto" if gpu == "auto" else "infiniband"
    fabric = _choice(errs, data, "fabric", "fabric", (*FABRICS, "auto"), fabric_default)
    deployment = _choice(errs, data, "deployment", "deployment", DEPLOYMENTS, "bare_metal")
    redundancy = _choice(errs, data, "redundancy", "redundancy", REDUNDANCIES, "n+0")
    return fabric or fabric_default, deployment or "bare_metal", redundancy or "n+0"


def _text_field(
    errs: _Errors, data: Mapping[str, Any], key: str, default: str | None
) -> str | None:
    value = data.get(key, default)
    if value is not None and (not isinstance(value, str) or not value):
        errs.add(key, f"must be a non-empty string, got {value!r}")
        return default
    return value


def parse_workload(data: Mapping[str, Any]) -> Workload:
    """Validate the JSON input into a Workload; raise SizingInputError listing every bad field."""
    if not isinstance(data, Mapping):
        raise SizingInputError.single("", "the workload must be a JSON object")
    errs = _Errors()
    _unknown_keys(errs, data, TOP_KEYS, "")
    kind = _choice(errs, data, "kind", "kind", KINDS, None)
    slug, custom = _model_fields(errs, data)
    capacity = data.get("nodes") is not None
    nodes = _integer(errs, data, "nodes", "nodes", default=None, low=1, high=100_000)
    gpn = _integer(errs, data, "gpus_per_node", "gpus_per_node", default=None, low=1, high=64)
    gpu = _text_field(errs, data, "gpu", "auto") or "auto"
    profile = _text_field(errs, data, "node_profile", None)
    fabric, deployment, redundancy = _preferences(errs, data, gpu)
    headroom = _number(
        errs, data, "growth_headroom_pct", "growth_headroom_pct", default=0.0, low=0.0, high=1000.0
    )
    storage = _number(errs, data, "storage_tb", "storage_tb", default=None, low=0.0, high=1e6)
    assumptions, overrides = _assumptions(errs, _mapping(errs, data, "assumptions"))
    training_raw, inference_raw = (
        _mapping(errs, data, "training"),
        _mapping(errs, data, "inference"),
    )
    training = inference = None
    if kind in TRAINING_KINDS:
        training = _training(errs, training_raw, capacity)
    elif kind == "inference":
        inference = _inference(errs, inference_raw, capacity)
    precision = _precision(errs, data, kind)
    if capacity and redundancy == "n+1" and nodes == 1:
        errs.add("redundancy", "n+1 needs at least 2 nodes in capacity mode")
    errs.raise_if_any()
    return Workload(
        kind or "",
        slug,
        custom,
        precision,
        training,
        inference,
        gpu,
        nodes,
        gpn,
        profile,
        fabric,
        deployment,
        redundancy,
        headroom or 0.0,
        storage,
        assumptions,
        overrides,
    )


def _precision(errs: _Errors, data: Mapping[str, Any], kind: str | None) -> str:
    allowed = TRAINING_PRECISIONS if kind in TRAINING_KINDS else PRECISIONS
    return _choice(errs, data, "precision", "precision", allowed, "bf16") or "bf16"
