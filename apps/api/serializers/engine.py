"""The sizing engine's input (a workload) and output (a result), described for the OpenAPI
schema. docs/sizing-engine.md is the reference; enums and limits are taken from the engine's
own constants so the schema cannot drift from what the engine accepts.

These serializers document; they do not validate. The engine validates every workload itself
(unknown keys at any level are errors) and its field messages reach the client with their
dotted paths. Results are returned exactly as the engine produced them (the same JSON as
`manage.py size`).
"""

from __future__ import annotations

import copy

from rest_framework import serializers

from apps.sizing.engine import workload as w

F = serializers.FloatField
I = serializers.IntegerField  # noqa: E741 - short aliases keep the long field lists readable
S = serializers.CharField
B = serializers.BooleanField


def opt(field: serializers.Field) -> serializers.Field:
    """The same field, not required (rebuilt: serializers deep-copy fields from their
    constructor arguments, so setting `required` afterwards would be lost)."""
    kwargs = {key: copy.deepcopy(value) for key, value in field._kwargs.items()}
    return type(field)(*copy.deepcopy(field._args), **{**kwargs, "required": False})


# --- input ---------------------------------------------------------------------------------


class CustomModelSerializer(serializers.Serializer):
    """A model given by its architecture instead of a library slug."""

    name = opt(S(help_text="shown in results; default 'Custom model'"))
    layers = I(min_value=1, max_value=1000)
    hidden_size = I(min_value=1, max_value=131072)
    heads = I(min_value=1, max_value=4096)
    kv_heads = I(min_value=1, max_value=4096, help_text="divides heads")
    ffn_size = I(min_value=1, max_value=1048576)
    vocab_size = I(min_value=1, max_value=4_000_000)
    params_b = F(min_value=0, max_value=100000, help_text="parameters, billions (> 0)")
    context_length = opt(I(min_value=16, max_value=10_000_000, help_text="default 4096"))
    active_params_b = opt(F(min_value=0, max_value=100000, help_text="default params_b"))
    experts = opt(I(min_value=1, max_value=1024, help_text="default 1"))
    experts_per_token = opt(I(min_value=1, max_value=1024, help_text="default 1"))


class TrainingInputSerializer(serializers.Serializer):
    tokens = F(min_value=0, max_value=w.MAX_TOKENS, help_text="training tokens (> 0)")
    epochs = opt(F(min_value=0, max_value=1000, help_text="default 1"))
    target_days = opt(
        F(
            min_value=0,
            max_value=36500,
            allow_null=True,
            help_text="days; required in size mode (no `nodes`)",
        )
    )
    sequence_length = opt(
        I(
            min_value=16,
            max_value=10_000_000,
            allow_null=True,
            help_text="tokens; default min(context, 4096)",
        )
    )
    micro_batch_size = opt(I(min_value=1, max_value=4096, help_text="default 1"))
    global_batch_size = opt(
        I(min_value=1, max_value=100_000_000, allow_null=True, help_text="informative only")
    )
    zero_stage = opt(I(min_value=0, max_value=3, help_text="default 1"))
    recompute = opt(serializers.ChoiceField(choices=w.RECOMPUTES, help_text="default selective"))
    lora_rank = opt(I(min_value=1, max_value=65536, help_text="LoRA/QLoRA rank; default 16"))


class InferenceInputSerializer(serializers.Serializer):
    concurrent_users = opt(
        I(
            min_value=1,
            max_value=w.MAX_USERS,
            allow_null=True,
            help_text="active streams; required in size mode",
        )
    )
    prompt_tokens = opt(I(min_value=1, max_value=10_000_000, help_text="default 1024"))
    output_tokens = opt(I(min_value=1, max_value=10_000_000, help_text="default 256"))
    target_tokens_per_s_per_user = opt(F(min_value=0, max_value=100000, help_text="default 10"))
    target_ttft_s = opt(F(min_value=0, max_value=86400, help_text="seconds; default 2.0"))
    kv_cache_precision = opt(
        serializers.ChoiceField(
            choices=w.KV_PRECISIONS,
            allow_null=True,
            help_text="default fp8 with fp8 weights, else bf16",
        )
    )
    requests_per_s = opt(
        F(min_value=0, max_value=1e9, allow_null=True, help_text="informative only")
    )


def _assumption_field(name: str) -> serializers.Field:
    low, high = w.ASSUMPTION_LIMITS[name]
    default = getattr(w.Assumptions(), name)
    kind = I if name in w.INT_ASSUMPTIONS else F
    return opt(kind(min_value=low, max_value=high, help_text=f"default {default}"))


AssumptionsSerializer = type(
    "AssumptionsSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "Overrides of the engine's assumptions (docs/sizing-engine.md); unknown names "
        "are errors.",
        **{name: _assumption_field(name) for name in w.ASSUMPTION_LIMITS},
    },
)


class WorkloadSerializer(serializers.Serializer):
    """A workload, as `manage.py size` reads it. Give `model` (a library slug) or
    `custom_model`. Without `nodes` the engine finds the smallest cluster meeting the workload
    (size mode); with `nodes` it reports what that cluster achieves (capacity mode). Unknown
    keys at any level are errors."""

    kind = serializers.ChoiceField(choices=w.KINDS)
    model = opt(S(help_text="model library slug, e.g. llama-2-70b (see /api/v1/catalog/models/)"))
    custom_model = opt(CustomModelSerializer())
    precision = opt(
        serializers.ChoiceField(
            choices=w.PRECISIONS, help_text="default bf16; training: bf16, fp16, fp8 only"
        )
    )
    training = opt(TrainingInputSerializer(help_text="required for training kinds"))
    inference = opt(InferenceInputSerializer(help_text="required for inference in size mode"))
    gpu = opt(S(help_text="'auto' (default) or a GPU slug (see /api/v1/catalog/gpus/)"))
    nodes = opt(
        I(
            min_value=1,
            max_value=100_000,
            allow_null=True,
            help_text="a fixed node count selects capacity mode",
        )
    )
    gpus_per_node = opt(I(min_value=1, max_value=64, allow_null=True))
    node_profile = opt(S(allow_null=True, help_text="hpc-ai-ib, ethernet-virtual, ovx-l40s"))
    fabric = opt(serializers.ChoiceField(choices=(*w.FABRICS, "auto")))
    deployment = opt(serializers.ChoiceField(choices=w.DEPLOYMENTS))
    redundancy = opt(serializers.ChoiceField(choices=w.REDUNDANCIES))
    growth_headroom_pct = opt(F(min_value=0, max_value=1000))
    storage_tb = opt(F(min_value=0, max_value=1e6, allow_null=True))
    assumptions = opt(AssumptionsSerializer())


# --- output --------------------------------------------------------------------------------


class ModelRefSerializer(serializers.Serializer):
    slug = S(help_text="`custom` for a custom model")
    name = S()
    params_b = F()
    active_params_b = F()


class TrainingLayoutSerializer(serializers.Serializer):
    tp = I()
    pp = I()
    dp = I()
    gpus_used = I()
    zero_stage = I()
    recompute = S()
    micro_batch_size = I()
    sequence_length = I()


class TrainingResultSerializer(serializers.Serializer):
    gpu_hours = F()
    days = F()
    layout = TrainingLayoutSerializer()
    tokens = F()
    flops = F()
    flops_per_token = F()
    mfu = F()
    goodput = F()
    tokens_per_s_per_gpu = F()
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
