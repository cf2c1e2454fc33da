"""The sizing engine's input (a workload) and output (a result), described for the OpenAPI
schema. docs/sizing-engine.md is the reference.

(Longer than ~400 lines on purpose: one serializer per section of the engine's result, so the
whole schema reads in one file beside the input serializers.)

The input serializers are derived from the engine's workload specification
(apps/sizing/engine/spec.py): one `SpecField` per declared input, whose OpenAPI schema (type,
limits, `exclusiveMinimum`, enum, default, unit) is built from the declaration by
`input_schema`, so the schema cannot drift from what the engine accepts
(tests/api/test_schema.py proves they are equal). They document; the engine validates every
workload itself (unknown keys at any level are errors) through the one gateway, and its field
messages reach the client with their dotted paths. Results are returned exactly as the engine
produced them (the same JSON as `manage.py size`).
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers

from apps.sizing.engine import spec
from apps.sizing.engine import workload as w

F = serializers.FloatField
I = serializers.IntegerField  # noqa: E741 - short aliases keep the long field lists readable
S = serializers.CharField
B = serializers.BooleanField
JSON_TYPES = {"number": "number", "integer": "integer", "choice": "string", "text": "string"}
CATALOG_HINTS = {
    "gpus": "/api/v1/catalog/gpus/",
    "models": "/api/v1/catalog/models/",
    "profiles": "/api/v1/catalog/",
}


def opt(field: serializers.Field) -> serializers.Field:
    """The same field, not required (rebuilt: serializers deep-copy fields from their
    constructor arguments, so setting `required` afterwards would be lost)."""
    kwargs = {key: copy.deepcopy(value) for key, value in field._kwargs.items()}
    return type(field)(*copy.deepcopy(field._args), **{**kwargs, "required": False})


# --- input: derived from the workload specification ----------------------------------------


def description(i: spec.Input) -> str:
    """The input's help in the schema: label, unit, help, default and where it applies."""
    parts = [i.label + (f" ({i.unit})" if i.unit else "")]
    if i.help:
        parts.append(i.help.rstrip("."))
    if i.required == "size_mode":
        parts.append("required in size mode (no `nodes`)")
    if i.default is not None:
        parts.append(
            f"default {i.default:g}" if isinstance(i.default, float) else f"default {i.default}"
        )
    elif i.default_note:
        parts.append(f"default: {i.default_note}")
    if i.catalog:
        parts.append(f"valid values: {CATALOG_HINTS[i.catalog]}")
    if i.kinds != spec.KINDS:
        parts.append("for " + ", ".join(i.kinds))
    if not i.used:
        parts.append("informative only")
    return "; ".join(parts)


def input_schema(i: spec.Input) -> dict[str, Any]:
    """The OpenAPI 3.0 schema of one workload input, from its declaration."""
    out: dict[str, Any] = {"type": JSON_TYPES[i.type]}
    if i.type == "number":
        out["format"] = "double"
    if i.type in ("number", "integer"):
        cast = int if i.type == "integer" else float
        out["minimum"], out["maximum"] = cast(i.low or 0), cast(i.high or 0)
        if i.low_open:
            out["exclusiveMinimum"] = True
    if i.type == "choice":
        out["enum"] = list(i.all_choices())
    if i.type == "text":
        out["minLength"] = 1
    if i.default is not None:
        out["default"] = i.default
    elif i.required != "always":
        out["nullable"] = True
    if i.unit:
        out["x-unit"] = i.unit
    out["description"] = description(i)
    return out


class SpecField(serializers.Field):
    """One workload input, documented by its specification (the engine validates it)."""

    def __init__(self, spec_input: spec.Input, **kwargs: Any) -> None:
        self.input = spec_input
        kwargs.setdefault("required", spec_input.required == "always")
        kwargs.setdefault("allow_null", spec_input.required != "always")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class SpecFieldExtension(OpenApiSerializerFieldExtension):
    target_class = SpecField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return input_schema(self.target.input)


SECTION_SERIALIZERS = {
    "custom_model": "CustomModelSerializer",
    "training": "TrainingInputSerializer",
    "inference": "InferenceInputSerializer",
    "assumptions": "AssumptionsSerializer",
    "tco": "TcoInputSerializer",
}


def _serializer(name: str, doc: str, section: str) -> type[serializers.Serializer]:
    attrs: dict[str, Any] = {"__doc__": doc}
    for i in spec.section_inputs(section):
        attrs[i.key] = SpecField(i)
    return type(name, (serializers.Serializer,), attrs)


CustomModelSerializer = _serializer(
    "CustomModelSerializer",
    "A model given by its architecture instead of a library slug.",
    "custom_model",
)
TrainingInputSerializer = _serializer(
    "TrainingInputSerializer", "Training workload fields (training kinds).", "training"
)
InferenceInputSerializer = _serializer(
    "InferenceInputSerializer", "Inference workload fields.", "inference"
)
AssumptionsSerializer = _serializer(
    "AssumptionsSerializer",
    "Overrides of the engine's assumptions (docs/sizing-engine.md); unknown names are errors.",
    "assumptions",
)

TcoInputSerializer = _serializer(
    "TcoInputSerializer",
    "Cost-of-ownership inputs (electricity, PUE, hosting, support); priced outside the engine.",
    "tco",
)


def _workload_serializer() -> type[serializers.Serializer]:
    attrs: dict[str, Any] = {
        "__doc__": "A workload, as `manage.py size` reads it. Give `model` (a library slug) or "
        "`custom_model`. Without `nodes` the engine finds the smallest cluster meeting the "
        "workload (size mode); with `nodes` it reports what that cluster achieves (capacity "
        "mode). Unknown keys at any level are errors. Every field is declared in the engine's "
        "workload specification."
    }
    for i in spec.section_inputs(""):
        attrs[i.key] = SpecField(i)
    for section, cls_name in SECTION_SERIALIZERS.items():
        sec = spec.SECTIONS[section]
        help_text = sec.label + (f"; {sec.help.rstrip('.')}" if sec.help else "")
        attrs[section] = globals()[cls_name](required=False, help_text=help_text)
    return type("WorkloadSerializer", (serializers.Serializer,), attrs)


WorkloadSerializer = _workload_serializer()


# --- output --------------------------------------------------------------------------------


class ModelRefSerializer(serializers.Serializer):
    slug = S(help_text="`custom` for a custom model")
    name = S()
    params_b = F()
    active_params_b = F()


class TrainingLayoutSerializer(serializers.Serializer):
    """The parallel layout the search chose (engine/training/search.py)."""

    tp = I(help_text="tensor parallel")
    cp = I(help_text="context parallel (ring attention)")
    pp = I(help_text="pipeline stages (layers split unevenly when needed)")
    dp = I(help_text="data-parallel replicas")
    ep = I(help_text="expert parallel (1 for dense models)")
    virtual_stages = I(help_text="interleaved chunks per pipeline stage (1: plain 1F1B)")
    zero_stage = I(min_value=0, max_value=3)
    recompute = serializers.ChoiceField(choices=["none", "selective", "full"])
    micro_batch_size = I(help_text="sequences per GPU per forward pass")
    micro_batches = I(help_text="gradient accumulation: micro-batches per optimizer step")
    global_batch_size = I(help_text="sequences per optimizer step")
    gpus_used = I()
    sequence_length = I()
    label = S(help_text="e.g. TP8 × CP2 × PP16 × DP64")


STEP_KEYS = (
    "compute_s",
    "recompute_s",
    "tp_exposed_s",
    "cp_exposed_s",
    "ep_exposed_s",
    "pp_send_s",
    "pipeline_bubble_s",
    "dp_exposed_s",
    "optimizer_s",
    "step_s",
)
StepTimeSerializer = type(
    "StepTimeSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Seconds per optimizer step by part (compute, each collective's exposed "
        "part, the pipeline bubble, the optimizer); the parts sum to step_s.",
        **{key: F() for key in STEP_KEYS},
    },
)


class TrainingCandidateSerializer(serializers.Serializer):
    """A runner-up layout with its own step-time breakdown."""

    layout = S()
    zero_stage = I()
    recompute = S()
    micro_batch_size = I()
    step_s = F()
    tokens_per_s_per_gpu = F()
    mfu = F()
    memory_per_gpu_gb = F()
    step_time = StepTimeSerializer()


class LinkSerializer(serializers.Serializer):
    kind = S(help_text="nvswitch, nvlink_bridge, pcie, infiniband or ethernet")
    gbps_per_direction = F()
    efficiency = F()
    achieved_gbps = F()
    latency_us = F()
    source = S(allow_blank=True)


class TrainingLinksSerializer(serializers.Serializer):
    tensor_parallel = LinkSerializer(help_text="the GPU link TP's collectives run on")
    fabric = LinkSerializer(help_text="one GPU's share of the compute fabric")


class TrainingEfficienciesSerializer(serializers.Serializer):
    matmul = F(help_text="achievable fraction of the dense peak for large GEMMs")
    attention = F(help_text="fused attention, fraction of the bf16 peak")
    memory_bound = F(help_text="fraction of HBM bandwidth for memory-bound kernels")
    moe_gemm = F(help_text="expert (grouped) GEMMs relative to dense")
    source = S()


class TrainingResultSerializer(serializers.Serializer):
    """The training plan: layout, step-time breakdown, MFU (an output), runners-up and what
    binds; memory per GPU by part is in the result's `memory`."""

    gpu_hours = F()
    days = F()
    layout = TrainingLayoutSerializer()
    tokens = F()
    flops = F()
    flops_per_token = F()
    mfu = F(help_text="model FLOPs utilisation of the chosen layout")
    goodput = F()
    tokens_per_s_per_gpu = F()
    step_time = StepTimeSerializer()
    binding_constraint = S(help_text="the constraint that shapes the chosen layout")
    runners_up = TrainingCandidateSerializer(many=True)
    links = TrainingLinksSerializer()
    efficiencies = TrainingEfficienciesSerializer()
    layouts_evaluated = I(help_text="layouts costed in full by the search")
    lora_parameters = F(allow_null=True)
    target_days = F(allow_null=True)
    meets_target = B(allow_null=True)
    low_confidence = B()


class InferenceTargetsSerializer(serializers.Serializer):
    tokens_per_s_per_user = F()
    ttft_s = F()


class InferenceResultSerializer(serializers.Serializer):
    tensor_parallel = I()
    replicas = I()
    concurrent_users = F(allow_null=True)
    users_per_replica = F(allow_null=True)
    max_users_per_replica = F()
    output_tokens_per_s = F(help_text="aggregate")
    tokens_per_s_per_user = F()
    ttft_s = F()
    max_concurrent_users = F(help_text="at the targets")
    per_replica_output_tokens_per_s = F()
    decode_step_ms = F()
    prefill_ms = F()
    kv_cache_precision = S()
    memory_batch_limit = F()
    targets = InferenceTargetsSerializer()
    meets_targets = B()


MEMORY_KEYS = (
    "gpu_memory_gb",
    "usable_gb_per_gpu",
    "model_states_gb",
    "activations_gb",
    "logits_gb",
    "overhead_gb",
    "weights_gb",
    "weights_per_gpu_gb",
    "kv_cache_gb",
    "kv_cache_per_gpu_gb",
    "kv_bytes_per_token",
    "workspace_gb_per_gpu",
    "total_per_gpu_gb",
    "node_system_memory_gb",
    "node_gpu_memory_gb",
)
MemorySerializer = type(
    "MemorySerializer",
    (serializers.Serializer,),
    {
        "__doc__": "GB per GPU and per node; training and inference report different keys.",
        **{key: opt(F()) for key in MEMORY_KEYS},
    },
)


class NodeSerializer(serializers.Serializer):
    profile = S()
    platform = S()
    gpus_per_node = I()
    cpu = S()
    cpus = I()
    dimm = S()
    dimm_size_gb = F()
    dimm_count = I()
    memory_gb = F()
    memory_required_gb = F()
    gpu_memory_gb = F()
    fabric_adapter = S(allow_null=True, allow_blank=True)
    compute_ports = I()
    compute_adapters = I()
    storage_adapters = I()
    dpu = S(allow_null=True)
    fabric_gbps_per_gpu = F()
    nvlink_bridges = I()
    data_drives = I()
    power_w = F()
    rack_units = I()


class FabricSerializer(serializers.Serializer):
    switch = S()
    switch_name = S()
    topology = S(help_text="single_switch, two_switches, fat_tree_2, fat_tree_3")
    tiers = I()
    leaves = I()
    spines = I()
    aggregation = I()
    cores = I()
    switches = I()
    endpoint_ports = I()
    endpoint_port_gbps = F()
    cages_per_switch = I()
    cage_gbps = F()
    leaf_down_cages = serializers.ListField(child=I())
    leaf_up_cages = serializers.ListField(child=I())
    leaf_racks = serializers.ListField(child=I())
    endpoint_cables = I()
    isl_cables = I()
    isl_link_gbps = F()
    oversubscription = F()
    oversubscription_ratio = S()
    max_cages_used_per_switch = I()


class ManagementSerializer(serializers.Serializer):
    switches = I()
    ports_used = I()
    racks = serializers.ListField(child=I())


class RackItemSerializer(serializers.Serializer):
    kind = S(help_text="node, compute_leaf, dpu_switch, management_switch, spine, core")
    name = S()
    part_number = S(allow_null=True, allow_blank=True)
    u_start = I()
    u_height = I()


class RackSerializer(serializers.Serializer):
    index = I()
    role = S(help_text="compute or network")
    power_kw = F()
    nodes = I()
    items = RackItemSerializer(many=True)


class ClusterSerializer(serializers.Serializer):
    nodes_per_rack = I()
    rack_nodes = serializers.ListField(child=I())
    compute_racks = I()
    network_racks = I()
    compute_fabric = FabricSerializer()
    dpu_network = FabricSerializer(allow_null=True)
    management = ManagementSerializer()
    racks = RackSerializer(many=True, help_text="rack elevations")


class BomLineSerializer(serializers.Serializer):
    part_number = S(allow_blank=True, help_text="empty for reference hardware's GPU line")
    description = S()
    quantity = I(min_value=1)
    section = serializers.ChoiceField(
        choices=["compute", "fabric", "management", "software", "services"]
    )
    reason = S(allow_blank=True)
    to_be_confirmed = opt(
        B(help_text="true: no sourced part number (placeholder key TBC-…); never priced")
    )


class ExplanationSerializer(serializers.Serializer):
    figure = S()
    value = serializers.JSONField()
    unit = S(allow_blank=True)
    rule = S(allow_blank=True)
    inputs = serializers.DictField(child=serializers.JSONField())
    formula = S(allow_blank=True)
    source = S(allow_blank=True)


class AlternativeSerializer(serializers.Serializer):
    """A candidate of the auto choice: feasible ones ranked, then infeasible ones with a
    reason."""

    rank = opt(I())
    gpu = S()
    fabric = S()
    feasible = B()
    criterion = opt(S(help_text="fewest_gpus (the rule is price-free)"))
    criterion_value = opt(S())
    gpu_count = opt(I())
    node_count = opt(I())
    rack_count = opt(I())
    power_kw = opt(F())
    days = opt(F())
    gpu_hours = opt(F())
    tensor_parallel = opt(I())
    replicas = opt(I())
    tokens_per_s_per_user = opt(F())
    ttft_s = opt(F())
    list_price = opt(S(help_text="BoM list price in the price book used (annotation only)"))
    unpriced_parts = opt(serializers.ListField(child=S()))
    reason = opt(S())


class SelectionSerializer(serializers.Serializer):
    criterion = S()
    value = S()
    rule = S()
    candidates = I()


class ConformanceDifferenceSerializer(serializers.Serializer):
    configuration = S()
    part_number = S(allow_blank=True)
    seed_quantity = F(allow_null=True)
    engine_quantity = F(allow_null=True)
    rule = S()


class SizingResultSerializer(serializers.Serializer):
    """The engine's full result (docs/sizing-engine.md, "Output"): the same JSON as
    `manage.py size`."""

    engine_version = S()
    mode = serializers.ChoiceField(choices=["size", "capacity"])
    kind = serializers.ChoiceField(choices=w.KINDS)
    model = ModelRefSerializer()
    precision = S()
    gpu = S()
    gpu_name = S()
    fabric = S()
    deployment = S()
    redundancy = S()
    growth_headroom_pct = F()
    storage_tb = F(allow_null=True)
    gpu_count = I()
    node_count = I()
    active_node_count = I()
    spare_nodes = I()
    gpus_per_node = I()
    rack_count = I()
    training = TrainingResultSerializer(allow_null=True, help_text="null for inference")
    inference = InferenceResultSerializer(allow_null=True, help_text="null for training")
    memory = MemorySerializer()
    node = NodeSerializer()
    cluster = ClusterSerializer()
    power_kw = F()
    heat_btu_per_h = F()
    rack_units = I()
    reference_hardware = B()
    assumptions = serializers.DictField(child=F(), help_text="every assumption's value")
    assumption_overrides = serializers.ListField(child=S())
    conformance_differences = ConformanceDifferenceSerializer(many=True)
    bom = BomLineSerializer(many=True)
    explanations = ExplanationSerializer(many=True)
    warnings = serializers.ListField(child=S())
    alternatives = AlternativeSerializer(many=True)
    selection = SelectionSerializer(allow_null=True)
    cabling = serializers.DictField(
        child=serializers.JSONField(), help_text="cables and optics by reach"
    )
    fabric_designs = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        help_text="fat tree and rail-optimised designs side by side; list price and the "
        "difference from the chosen design (money as exact decimal strings)",
    )
    facility = serializers.DictField(
        child=serializers.JSONField(), help_text="rack power, cooling, PDUs, floor"
    )
    storage = serializers.DictField(
        child=serializers.JSONField(), allow_null=True, help_text="storage requirement"
    )
    to_be_confirmed = serializers.ListField(
        child=serializers.DictField(child=serializers.JSONField()),
        help_text="counted, not priced: no sourced part number",
    )
    tco_inputs = serializers.DictField(
        child=serializers.JSONField(), help_text="cost of ownership inputs"
    )
    tco = opt(
        serializers.DictField(
            child=serializers.JSONField(),
            help_text="3- and 5-year cost of ownership, per million output tokens or per "
            "training run, each figure with formula and inputs (money as exact decimal "
            "strings); added by the gateway with the price book",
        )
    )
