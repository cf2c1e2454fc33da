"""Numbers, labels and words for people: every page, document and export that shows an
engine result formats it here, so no reader sees `bare_metal`, `n+0`, a dotted engine key or
float noise such as "828,000,000,000,000,041,943,040 FLOP".

- `number(value)`: thousands separators below a million, three significant figures, then
  "66.2 million", "1.2 trillion", and powers of ten beyond (8.28 × 10²³).
- `label(key)` / `unit(key)`: the human label and unit of an engine key (dotted or not): the
  workload specification's own label when `apps.sizing.engine.spec` provides one, else
  `LABELS`, else the key in words (its unit suffix, such as `_gb`, becomes the unit).
- `word(value)`: an enumeration value as words (`bare_metal` → "Bare metal").
- `mid_sentence(text)`: a label inside a sentence ("training time", "PP send", "GPUs used").
- `human_text(text)`: free engine text with any identifier in it replaced by its label.
- `result_as_table(result)`: the plain-text rendering of `manage.py size --format table`.

Over 400 lines only because of the label and word tables (data, one place for all pages).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from apps.sizing.engine import spec

# --- numbers -----------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_LARGE = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _sig(value: float, digits: int) -> str:
    """`value` to `digits` significant figures, plain notation, trailing zeros dropped."""
    if value == 0:
        return "0"
    places = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    text = f"{round(value, places):,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def number(value: Any, digits: int = 3) -> str:
    """A number as people read it: 1,536 · 72.8 · 0.281 · 66.2 million · 8.28 × 10²³."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        value = float(value)
    if not isinstance(value, int | float):
        return word(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "—"
    magnitude = abs(value)
    if magnitude >= 1e15:
        exponent = math.floor(math.log10(magnitude))
        mantissa = _sig(value / 10**exponent, digits)
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    for scale, name in _LARGE:
        if magnitude >= scale:
            return f"{_sig(value / scale, digits)} {name}"
    if isinstance(value, int) or float(value).is_integer() or magnitude >= 10 ** (digits + 1):
        return f"{round(value):,}"
    if magnitude < 1e-3:
        exponent = math.floor(math.log10(magnitude))
        mantissa = _sig(value / 10**exponent, digits)
        return f"{mantissa} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    return _sig(float(value), digits)


# Units that are counted things, in the singular for a count of one ("1 rack", "1 GPU").
_SINGULAR = {
    "GPUs": "GPU",
    "PDUs": "PDU",
    "adapters": "adapter",
    "bridges": "bridge",
    "cables": "cable",
    "checkpoints": "checkpoint",
    "days": "day",
    "feeds": "feed",
    "fibres": "fibre",
    "micro-batches": "micro-batch",
    "nodes": "node",
    "ports": "port",
    "racks": "rack",
    "replicas": "replica",
    "sequences": "sequence",
    "stages": "stage",
    "switches": "switch",
    "tokens": "token",
    "transceivers": "transceiver",
    "uplinks": "uplink",
    "users": "user",
}


def quantity(value: Any, unit: str = "", digits: int = 3) -> str:
    """A number with its unit ("72.8 kW", "10 %", "1 rack"); words and "—" stay as they are."""
    text = number(value, digits)
    if not unit or text == "—" or not isinstance(value, int | float | Decimal):
        return text
    if isinstance(value, bool):
        return text
    if text == "1":
        unit = _SINGULAR.get(unit, unit)
    return f"{text}{unit}" if unit == "%" or unit.startswith(":") else f"{text} {unit}"


# --- labels ------------------------------------------------------------------------------

# Engine key (the last part of a dotted path, or the whole path) → (label, unit).
LABELS: dict[str, tuple[str, str]] = {
    # serving step breakdown (engine/serving)
    "gb_read_per_gpu": ("Read per GPU per step", "GB"),
    "gflop_per_gpu": ("Work per GPU per step", "GFLOP"),
    "tflop": ("Work", "TFLOP"),
    "wait_ms": ("Wait behind other users' prompts", "ms"),
    "prefill_work_ms": ("Replica time per prompt", "ms"),
    # workload
    "kind": ("Workload", ""),
    "model": ("Model", ""),
    "custom_model": ("Custom model", ""),
    "precision": ("Precision", ""),
    "gpu": ("GPU", ""),
    "gpu_name": ("GPU", ""),
    "fabric": ("Compute fabric", ""),
    "deployment": ("Deployment", ""),
    "redundancy": ("Redundancy", ""),
    "growth_headroom_pct": ("Growth headroom", "%"),
    "storage_tb": ("Storage", "TB"),
    "nodes": ("Nodes", ""),
    "gpus_per_node": ("GPUs per node", ""),
    "node_profile": ("Node profile", ""),
    "concurrent_users": ("Concurrent users", "users"),
    "prompt_tokens": ("Prompt length", "tokens"),
    "output_tokens": ("Output length", "tokens"),
    "target_tokens_per_s_per_user": ("Target output speed per user", "tokens/s"),
    "target_ttft_s": ("Target time to first token", "s"),
    "tokens": ("Training tokens", "tokens"),
    "target_days": ("Target training time", "days"),
    "sequence_length": ("Sequence length", "tokens"),
    "global_batch": ("Global batch", "sequences"),
    "requests_per_s": ("Requests per second", "requests/s"),
    "kv_cache_precision": ("KV cache precision", ""),
    # model
    "name": ("Name", ""),
    "slug": ("Library name", ""),
    "params_b": ("Parameters", "billion"),
    "active_params_b": ("Active parameters", "billion"),
    "layers": ("Layers", ""),
    "hidden_size": ("Hidden size", ""),
    "heads": ("Attention heads", ""),
    "kv_heads": ("Key-value heads", ""),
    "head_dim": ("Head dimension", ""),
    "ffn_size": ("Feed-forward size", ""),
    "vocab_size": ("Vocabulary", "tokens"),
    "context_length": ("Context length", "tokens"),
    "experts": ("Experts", ""),
    "experts_per_token": ("Experts per token", ""),
    "bytes_per_param": ("Bytes per parameter", "bytes"),
    # results
    "gpu_count": ("GPUs", ""),
    "node_count": ("Compute nodes", ""),
    "active_node_count": ("Active nodes", ""),
    "spare_nodes": ("Spare nodes", ""),
    "rack_count": ("Racks", ""),
    "rack_units": ("Rack units used", "U"),
    "power_kw": ("Power at full load", "kW"),
    "heat_btu_per_h": ("Heat to remove", "BTU/h"),
    "days": ("Training time", "days"),
    "gpu_hours": ("GPU-hours", "GPU-hours"),
    "tensor_parallel": ("Tensor parallel degree", "GPUs"),
    "pipeline_parallel": ("Pipeline parallel degree", "stages"),
    "data_parallel": ("Data parallel degree", "replicas"),
    "replicas": ("Model replicas", ""),
    "users_per_replica": ("Users per replica", "users"),
    "max_users_per_replica": ("Most users per replica at the targets", "users"),
    "output_tokens_per_s": ("Output tokens per second, whole cluster", "tokens/s"),
    "per_replica_output_tokens_per_s": ("Output tokens per second per replica", "tokens/s"),
    "tokens_per_s_per_user": ("Output speed per user", "tokens/s"),
    "ttft_s": ("Time to first token", "s"),
    "max_concurrent_users": ("Most concurrent users at the targets", "users"),
    "decode_step_ms": ("Decode step", "ms"),
    "prefill_ms": ("Prefill of one prompt", "ms"),
    "memory_batch_limit": ("Largest batch that fits in memory", "sequences"),
    "meets_targets": ("Meets the targets", ""),
    "meets_target": ("Meets the target", ""),
    "gpu_memory_gb": ("GPU memory", "GB"),
    "usable_gb_per_gpu": ("Usable memory per GPU", "GB"),
    "weights_gb": ("Model weights", "GB"),
    "weights_per_gpu_gb": ("Weights per GPU", "GB"),
    "kv_cache_gb": ("KV cache, whole replica", "GB"),
    "kv_cache_per_gpu_gb": ("KV cache per GPU", "GB"),
    "kv_bytes_per_token": ("KV cache per token", "bytes"),
    "workspace_gb_per_gpu": ("Workspace per GPU", "GB"),
    "total_per_gpu_gb": ("Memory used per GPU", "GB"),
    "node_system_memory_gb": ("System memory per node", "GB"),
    "node_gpu_memory_gb": ("GPU memory per node", "GB"),
    "model_states_gb": ("Weights, gradients and optimizer states per GPU", "GB"),
    "activations_gb": ("Activations per GPU", "GB"),
    "logits_gb": ("Logits per GPU", "GB"),
    "overhead_gb": ("Framework overhead per GPU", "GB"),
    "flops": ("Training compute", "FLOP"),
    "total_flops": ("Training compute", "FLOP"),
    "mfu": ("Model FLOPS utilisation", ""),
    # a training layout's axes and parts, as the training plan names them
    # (apps/sizing/training_view.py)
    "tp": ("Tensor parallel (TP)", ""),
    "cp": ("Context parallel (CP)", ""),
    "pp": ("Pipeline parallel (PP)", ""),
    "dp": ("Data parallel (DP)", ""),
    "ep": ("Expert parallel (EP)", ""),
    "virtual_stages": ("Interleaved chunks per stage", ""),
    "zero_stage": ("ZeRO stage", ""),
    "recompute": ("Activation recompute", ""),
    "micro_batch_size": ("Micro-batch", "sequences"),
    "micro_batches": ("Gradient accumulation", "micro-batches"),
    "global_batch_size": ("Global batch", "sequences"),
    "gpus_used": ("GPUs used", ""),
    "label": ("Name", ""),
    "compute_s": ("Compute", "s"),
    "recompute_s": ("Recompute", "s"),
    "tp_exposed_s": ("Tensor-parallel collectives, exposed", "s"),
    "cp_exposed_s": ("Context-parallel ring attention, exposed", "s"),
    "ep_exposed_s": ("Expert all-to-all, exposed", "s"),
    "pp_send_s": ("Pipeline sends", "s"),
    "pipeline_bubble_s": ("Pipeline bubble", "s"),
    "dp_exposed_s": ("Data-parallel collectives, exposed", "s"),
    "optimizer_s": ("Optimizer step", "s"),
    "step_s": ("Step time", "s"),
    "step_time.step_s": ("Total", "s"),
    "tokens_per_s": ("Training throughput, whole cluster", "tokens/s"),
    "tokens_per_s_per_gpu": ("Training throughput per GPU", "tokens/s"),
    "flops_per_token": ("FLOPs per token", "FLOP"),
    "peak_tflops": ("GPU peak", "TFLOP/s"),
    "efficiency_source": ("Source of the efficiencies", ""),
    "moe_gemm": ("Expert GEMMs", ""),
    "memory_bound_efficiency": ("Memory-bound efficiency", ""),
    "frozen_weight_bytes": ("Bytes per frozen weight", "bytes"),
    "memory_bound": ("Memory-bound kernels", ""),
    "links.tensor_parallel": ("GPU link for tensor parallelism", ""),
    "links.fabric": ("Compute fabric link", ""),
    "links.tensor_parallel.kind": ("Kind", ""),
    "links.fabric.kind": ("Kind", ""),
    "gbps_per_direction": ("Rate per direction", "Gb/s"),
    "achieved_gbps": ("Achieved", "Gb/s"),
    "latency_us": ("Latency per hop", "µs"),
    # facility and storage figures
    "pdus": ("PDUs", ""),
    "floor_m2": ("Floor area", "m²"),
    "capacity_tb": ("Storage capacity", "TB"),
    "checkpoint_interval_h": ("Checkpoint interval", "h"),
    "write_gbps": ("Checkpoint write bandwidth", "GB/s"),
    "read_gbps": ("Storage read bandwidth", "GB/s"),
    # node
    "profile": ("Node profile", ""),
    "platform": ("Platform", ""),
    "cpu": ("Processor", ""),
    "cpus": ("Processors", ""),
    "dimm": ("Memory module", ""),
    "dimm_size_gb": ("Memory module size", "GB"),
    "dimm_count": ("Memory modules", ""),
    "dimm_gb": ("Memory module size", "GB"),
    "memory_gb": ("System memory", "GB"),
    "memory_required_gb": ("System memory required", "GB"),
    "required_gb": ("System memory required", "GB"),
    "slots": ("Memory slots", ""),
    "fabric_adapter": ("Compute fabric adapter", ""),
    "compute_ports": ("Compute fabric ports", ""),
    "compute_adapters": ("Compute fabric adapters", ""),
    "storage_adapters": ("Storage adapters", ""),
    "dpu": ("DPU", ""),
    "fabric_gbps_per_gpu": ("Compute fabric per GPU", "Gb/s"),
    "nvlink_bridges": ("NVLink bridges", ""),
    "bridges_per_pair": ("NVLink bridges per GPU pair", ""),
    "link": ("GPU link", ""),
    "data_drives": ("Data drives", ""),
    "power_w": ("Power", "W"),
    "node_power_w": ("Power per node", "W"),
    "port_gbps": ("Adapter port speed", "Gb/s"),
    "ports_per_adapter": ("Ports per adapter", ""),
    # cluster and fabric
    "nodes_per_rack": ("Nodes per rack", ""),
    "compute_racks": ("Compute racks", ""),
    "network_racks": ("Network racks", ""),
    "dpu_network": ("DPU network", ""),
    "switch": ("Switch", ""),
    "switch_name": ("Switch", ""),
    "topology": ("Topology", ""),
    "tiers": ("Switch tiers", ""),
    "leaves": ("Leaf switches", ""),
    "spines": ("Spine switches", ""),
    "aggregation": ("Aggregation switches", ""),
    "cores": ("Core switches", ""),
    "switches": ("Switches", ""),
    "endpoint_ports": ("Node ports on the fabric", ""),
    "endpoint_port_gbps": ("Node port speed", "Gb/s"),
    "cages_per_switch": ("Cages per switch", ""),
    "cage_gbps": ("Cage speed", "Gb/s"),
    "endpoint_cables": ("Node cables", ""),
    "isl_cables": ("Inter-switch cables", ""),
    "isl_link_gbps": ("Inter-switch link speed", "Gb/s"),
    "oversubscription": ("Oversubscription", ""),
    "oversubscription_ratio": ("Oversubscription", ""),
    "max_cages_used_per_switch": ("Most cages used on one switch", ""),
    "ports_used": ("Ports used", ""),
    "fanout": ("Node ports per splitter", ""),
    "network_racks_needed": ("Network racks", ""),
    "max_nodes_per_rack": ("Most nodes per rack", ""),
    "rack_power_budget_kw": ("Rack power budget", "kW"),
    "spines_or_aggregation": ("Spine or aggregation switches", ""),
    "management.switches": ("Management switches", ""),
    "compute_fabric.switches": ("Compute fabric switches", ""),
    "batch": ("Batch", "sequences"),
    "reference_hardware": ("Reference hardware of the seed", ""),
}

# Enumeration values → words.
WORDS: dict[str, str] = {
    "inference": "Inference",
    "pretraining": "Pre-training",
    "full_finetune": "Full fine-tuning",
    "lora": "LoRA fine-tuning",
    "qlora": "QLoRA fine-tuning",
    "bf16": "BF16",
    "fp16": "FP16",
    "fp8": "FP8",
    "int8": "INT8",
    "int4": "INT4",
    "fp32": "FP32",
    "infiniband": "InfiniBand",
    "ethernet": "Ethernet",
    "roce": "RoCE v2 Ethernet",
    "auto": "Chosen by the engine",
    "bare_metal": "Bare metal",
    "virtual": "Virtualised",
    "n+0": "None (N+0)",
    "n+1": "One spare node (N+1)",
    "two_switches": "two directly joined switches",
    "single_switch": "one switch",
    "one_switch": "one switch",
    "fat_tree": "a two-tier fat tree",
    "fat_tree_2": "a two-tier fat tree",
    "fat_tree_3": "a three-tier fat tree",
    "none": "none",
    "capacity": "fixed node count",
    "size": "sized for the targets",
    "compute": "compute",
    "network": "network",
    "compute_leaf": "leaf switch",
    "management_switch": "management switch",
    "nvlink_bridge": "NVLink bridge",
    "nvswitch": "NVSwitch",
    "pcie": "PCIe",
    "lowest_list_price": "lowest list price",
}
_UNIT_SUFFIXES = (
    ("_btu_per_h", "BTU/h"),
    ("_gbps", "Gb/s"),
    ("_gb", "GB"),
    ("_tflop", "TFLOP"),
    ("_tb", "TB"),
    ("_kw", "kW"),
    ("_w", "W"),
    ("_ms", "ms"),
    ("_us", "µs"),
    ("_s", "s"),
    ("_pct", "%"),
    ("_m", "m"),
    ("_b", "billion"),
)
_UNITS = {name for _, name in _UNIT_SUFFIXES} | {"GB/s", "tokens/s", "U"}
_ABBREVIATIONS = {
    "gpu": "GPU",
    "gpus": "GPUs",
    "cpu": "CPU",
    "kv": "KV",
    "tp": "TP",
    "pp": "PP",
    "dp": "DP",
    "ep": "EP",
    "mfu": "MFU",
    "ttft": "time to first token",
    "tpot": "time per output token",
    "tflop": "TFLOP",
    "gflop": "GFLOP",
    "allreduce": "all-reduce",
    "pcie": "PCIe",
    "nvlink": "NVLink",
    "nvswitch": "NVSwitch",
    "isl": "inter-switch",
    "mgmt": "management",
    "eff": "efficiency",
    "mem": "memory",
    "p2p": "peer-to-peer",
    "dpu": "DPU",
    "fp8": "FP8",
    "int4": "INT4",
    "qlora": "QLoRA",
    "lora": "LoRA",
    "flops": "FLOPs",
    "params": "parameters",
    "param": "parameter",
    "btu": "BTU",
    "per": "per",
    "s": "s",
}


_NO_UNIT = {"fraction", "ratio", "seconds"}


def _spec_unit(item: spec.Input) -> str:
    return {"seconds": "s", "BTU/h per W": "BTU/h per W"}.get(
        item.unit, "" if item.unit in _NO_UNIT else item.unit
    )


@lru_cache(maxsize=1)
def _spec_fields() -> dict[str, tuple[str, str]]:
    """Labels and units of the workload specification's inputs by dotted path, and of the
    assumptions also by bare name (its own words win over `LABELS`)."""
    out = {item.path: (item.label, _spec_unit(item)) for item in spec.INPUTS}
    out.update(_assumption_labels())
    return out


@lru_cache(maxsize=1)
def _assumption_labels() -> dict[str, tuple[str, str]]:
    """Label and unit of each assumption by bare name, as the specification declares them."""
    return {item.key: (item.label, _spec_unit(item)) for item in spec.ASSUMPTIONS}


@lru_cache(maxsize=1)
def _spec_sources() -> dict[str, str]:
    """The source of each assumption's default, by name, as the specification states it."""
    return {i.key: i.source for i in spec.ASSUMPTIONS if i.source}


def _lookup(key: str) -> tuple[str, str] | None:
    key = str(key)
    fields = _spec_fields()
    if key in fields:
        return fields[key]
    if key in LABELS:
        return LABELS[key]
    tail = key.rsplit(".", 1)[-1].split("[", 1)[0]
    if tail in LABELS:
        return LABELS[tail]
    assumption = _assumption_labels().get(tail)
    if assumption:
        return assumption
    return None


def _words(key: str) -> tuple[str, str]:
    """An unknown key in words: `max_widgets_per_rack_kw` → ("Max widgets per rack", "kW")."""
    tail = key.rsplit(".", 1)[-1].split("[", 1)[0]
    unit = ""
    for suffix, name in _UNIT_SUFFIXES:
        if tail.endswith(suffix) and len(tail) > len(suffix):
            tail, unit = tail[: -len(suffix)], name
            break
    parts = [_ABBREVIATIONS.get(p.lower(), p) for p in re.split(r"[_\s]+", tail) if p]
    text = " ".join(parts) or key
    return text[:1].upper() + text[1:], unit


# First words of labels that keep their capital mid-sentence: names, not acronyms (an
# acronym, "GPUs", "PP", "NVLink", "vLLM", keeps its case because a later letter is upper).
_NAMES = frozenset({"Adam", "Amdahl", "Daly", "Ethernet", "Llama", "Young", "Megatron"})


def mid_sentence(text: str) -> str:
    """A label as it reads inside a sentence: its first letter in lower case ("Training
    time" → "training time") unless its first word is an acronym, a symbol or a name ("PP
    send", "GPUs used", "NVLink bridges", "N active", "Llama 3")."""
    text = str(text)
    first = re.split(r"[\s,:;/(]", text, maxsplit=1)[0]
    if not first or not first[:1].isupper():
        return text
    if len(first) == 1 or any(c.isupper() or c.isdigit() for c in first[1:]) or first in _NAMES:
        return text
    return text[:1].lower() + text[1:]


@lru_cache(maxsize=4096)
def _label_unit(key: str) -> tuple[str, str]:
    """Label and unit of a key, kept per process: a result page asks ~300 times for a few
    dozen keys, and the answer depends only on the key and the specification."""
    return _lookup(key) or _words(key)


def label(key: str) -> str:
    """The human label of an engine key (dotted path or name)."""
    return _label_unit(str(key))[0]


def unit(key: str) -> str:
    """The unit of an engine key's values ("" when it has none)."""
    return _label_unit(str(key))[1]


def word(value: Any) -> str:
    """An enumeration value (or any text) in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if text in WORDS:
        return WORDS[text]
    if text.lower() in WORDS:
        return WORDS[text.lower()]
    return human_text(text)


def value_of(key: str, value: Any) -> str:
    """One figure of a result as text: number with the key's unit, or words."""
    if isinstance(value, list | tuple):
        return ", ".join(value_of(key, v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{label(k)} {value_of(k, v)}" for k, v in value.items())
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return quantity(value, unit(key))
    return word(value)


def rows(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """A nested mapping as (label, value) rows; nested mappings label their rows with the
    parent's label ("Targets: time to first token")."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            parent = label(path)
            for sub_label, sub_value in rows(value, path):
                out.append((f"{parent}: {mid_sentence(sub_label)}", sub_value))
        elif isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
            out.append((label(path), f"{len(value)} items"))
        else:
            out.append((label(path), value_of(path, value)))
    return out


# Identifiers inside free text: snake_case words and dotted paths of lowercase names.
IDENTIFIER = re.compile(
    r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?:\.[a-z][a-z0-9_]*)*\b"
    r"|\b[a-z][a-z0-9]*(?:\.[a-z][a-z0-9_]*)+\b"
)
# Dotted things that are not keys: file names, version numbers, "e.g.", "i.e.".
# A code file name (`floor.py`) is left as it is, so the document test finds it: engine
# sources cite public documents or name the rule, never a code path.
_NOT_KEYS = re.compile(r"^(?:e\.g|i\.e|etc)$|\.(?:json|csv|xlsx|pdf|md|txt|html|py)$")


def human_text(text: str, values: Mapping[str, Any] | None = None, scope: str = "") -> str:
    """Free text with every engine identifier in it replaced by its label (in lower case
    mid-sentence), or by its number when `values` has it ("at most max_nodes_per_rack
    nodes" → "at most 8 nodes"), and enumeration values by their words. `scope` names the
    section whose labels come first ("tco": `electricity_per_kwh` → "electricity price")."""
    text = _docs_named(text)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if _NOT_KEYS.search(token):
            return token
        known = (values or {}).get(token)
        if isinstance(known, int | float) and not isinstance(known, bool):
            return number(known)
        if token in WORDS:
            return WORDS[token]
        found = label(f"{scope}.{token}" if scope and _lookup(f"{scope}.{token}") else token)
        at_start = match.start() == 0 or text[max(match.start() - 2, 0) : match.start()] in {
            ". ",
            "\n",
        }
        return found if at_start else mid_sentence(found)

    return IDENTIFIER.sub(replace, str(text))


# Where each assumption's default comes from (docs/sizing-engine.md, "Assumptions").
DEFAULT_SOURCE = "engine default (the sizing-engine documentation)"


def assumption_source(name: str) -> str:
    """Where an assumption's default comes from: the workload specification's `source` (an
    assumption the specification no longer has, in an old saved result, says so)."""
    source = _spec_sources().get(str(name), DEFAULT_SOURCE)
    return _docs_named(source)


def _docs_named(text: str) -> str:
    """A document path cited in engine text, named as people read it."""
    return text.replace("docs/sizing-engine.md", "the sizing-engine documentation")


def assumption_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each assumption of a result: label, value with unit, whether the user changed it, and
    the source of its default."""
    values = result.get("assumptions") or {}
    if not isinstance(values, Mapping):
        return []
    changed = set(result.get("assumption_overrides") or [])
    kind = result.get("kind")
    return [
        {
            "name": name,
            "label": label(name),
            "value": quantity(value, unit(name), digits=4),
            "overridden": name in changed,
            "source": "your input" if name in changed else assumption_source(name),
        }
        for name, value in values.items()
        if name in changed or _assumption_applies(name, kind)
    ]


def _assumption_applies(name: str, kind: Any) -> bool:
    """Whether the model of workload `kind` reads assumption `name` (its `kinds=` in the
    specification); an unknown name or kind is shown."""
    declared = spec.BY_PATH.get(f"assumptions.{name}")
    return declared is None or not isinstance(kind, str) or kind in declared.kinds


# --- the CLI's table -----------------------------------------------------------------------
def _row(label: str, value: Any) -> str:
    return f"  {label:<28} {value}"


def _summary(result: dict[str, Any]) -> list[str]:
    lines = [
        f"Sizing ({result['mode']} mode, engine {result['engine_version']})",
        _row("GPU", f"{result['gpu_name']} ({result['gpu']})"),
        _row(
            "GPUs / nodes / racks",
            f"{result['gpu_count']} / {result['node_count']} / {result['rack_count']}",
        ),
        _row("Power / heat", f"{result['power_kw']} kW / {result['heat_btu_per_h']} BTU/h"),
        _row("Rack units", result["rack_units"]),
    ]
    training, inference = result.get("training"), result.get("inference")
    if training:
        lines += [
            _row("Training days", training.get("days")),
            _row("GPU-hours", training.get("gpu_hours")),
        ]
    if inference:
        lines += [
            _row(
                "Tensor parallel × replicas",
                f"{inference.get('tensor_parallel')} × {inference.get('replicas')}",
            ),
            _row("Output tokens/s (total)", inference.get("output_tokens_per_s")),
            _row("Tokens/s per user", inference.get("tokens_per_s_per_user")),
            _row("Time to first token (s)", inference.get("ttft_s")),
            _row("Max concurrent users", inference.get("max_concurrent_users")),
        ]
    return lines


def _bom(result: dict[str, Any]) -> list[str]:
    lines = ["", "Bill of materials", f"  {'section':<11} {'part':<15} {'qty':>6}  description"]
    for line in result["bom"]:
        lines.append(
            f"  {line['section']:<11} {line['part_number']:<15} "
            f"{line['quantity']:>6}  {line['description']}"
        )
    return lines


def _why(result: dict[str, Any]) -> list[str]:
    lines = ["", "Why"]
    for item in result["explanations"]:
        unit = f" {item['unit']}" if item.get("unit") else ""
        lines.append(f"  {item['figure']} = {item['value']}{unit}: {item['rule']}")
        lines.append(f"      {item['formula']}  [{item['source']}]")
    lines += ["", "Assumptions"]
    lines += [_row(name, value) for name, value in result["assumptions"].items()]
    if result["warnings"]:
        lines += ["", "Warnings"] + [f"  - {w}" for w in result["warnings"]]
    return lines


def result_as_table(result: dict[str, Any]) -> str:
    """The summary, the BoM, the explanations, assumptions and warnings as aligned text."""
    return "\n".join(_summary(result) + _bom(result) + _why(result)) + "\n"
