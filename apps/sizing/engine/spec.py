"""The workload specification: every input of the engine, declared once, here.

Longer than ~400 lines on purpose: it is the one table of every workload input (about 70 rows,
each with its label, unit, limits and source) and splitting it would split the table.

Each input is a field of one of the frozen dataclasses below (``Workload``, ``CustomModel``,
``TrainingInput``, ``InferenceInput``, ``Assumptions``), declared with ``number()``,
``integer()``, ``choice()`` or ``text()``. The call carries the input's label, help, unit,
limits, default, the kinds and modes it applies to and its choices (fixed, or ``catalog=`` to
draw them from the catalog snapshot). Everything else is derived from these declarations:

* ``parse_workload`` (engine/workload.py) validates a JSON workload field by field with them;
* the API's request serializers and OpenAPI schema (apps/api/serializers/engine.py);
* the wizard's fields, defaults, URL names and error mapping (apps/sizing/wizard/);
* the ``manage.py size`` help; the assumptions table of every result.

How to add an input (one change here, then use it in the engine)
-----------------------------------------------------------------
1. Add a field to the dataclass of its section, e.g. in ``TrainingInput``::

       pipeline_parallel: int | None = integer(
           "Pipeline-parallel degree", low=1, high=1024, default=None,
           default_note="chosen by the layout search",
           help="Split the layers over this many GPUs; empty lets the engine choose.",
       )

   - type: ``number`` (float), ``integer`` (whole number), ``choice`` (one of ``choices``),
     ``text`` (non-empty string; ``catalog="gpus" | "models" | "profiles"`` names the catalog
     table its values come from).
   - ``low``/``high`` are inclusive limits (``low_open=True``: strictly above ``low``);
     every number needs both (they become the API's and the wizard's limits).
   - ``default=`` is the value when absent. Omit it for a required input
     (``required="always"``), or pass ``required="size_mode"`` for an input needed only when
     the engine finds the node count (it is then ``None`` in capacity mode). When the default
     is computed from other inputs, write ``default=None`` and say how in ``default_note``.
   - ``kinds=`` restricts it to some workload kinds (``LORA_KINDS`` for the LoRA rank). On
     an assumption it names the kinds whose model reads it: a result's table of assumptions
     (why panel, PDF) lists it only for those. Every door still accepts an override of any
     assumption, and every result echoes them all;
     ``modes=`` to ``("size",)`` or ``("capacity",)`` when it only makes sense in one mode.
   - ``unit`` is the engine's unit; ``display_scale``/``display_unit`` is how people type it
     (training tokens in billions: ``display_scale=1e9, display_unit="billion tokens"``).
   - ``group`` places it in the wizard ("model", "workload", "hardware", "advanced"; "" keeps
     it out of the wizard), ``short`` is its name in the wizard's URL (default: the field name).
   - ``used=False`` marks an input accepted and echoed but not yet used by the engine.
2. Read it in the engine (``w.training.pipeline_parallel``). Nothing else: the parser, API
   schema, wizard field and CLI help follow. tests/sizing_engine/test_spec.py checks that every
   declaration is complete and that the OpenAPI schema carries the same limits and enums.
3. Cross-field rules (``kv_heads`` divides ``heads``) stay in ``workload._cross_checks``.

An assumption is a field of ``Assumptions`` with ``number()``/``integer()``, a default, limits
and its ``source``; it is overridable under ``assumptions`` and listed in every result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from functools import cache, cached_property
from typing import Any, Protocol

KINDS = ("pretraining", "full_finetune", "lora", "qlora", "inference")
TRAINING_KINDS = KINDS[:4]
INFERENCE_KINDS = KINDS[4:]
LORA_KINDS = ("lora", "qlora")
PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")
TRAINING_PRECISIONS = ("bf16", "fp16", "fp8")
KV_PRECISIONS = ("bf16", "fp16", "fp8", "int8")
FABRICS = ("infiniband", "ethernet")
DEPLOYMENTS = ("bare_metal", "virtual")
REDUNDANCIES = ("n+0", "n+1")
RECOMPUTES = ("none", "selective", "full")
FABRIC_DESIGNS = ("fat_tree", "rail_optimised")
COOLINGS = ("air", "liquid")
MODES = ("size", "capacity")
MAX_USERS = 10_000_000
MAX_TOKENS = 1e16
TYPES = ("number", "integer", "choice", "text")
REQUIRED = ("never", "always", "size_mode")
GROUPS = ("model", "workload", "hardware", "advanced", "")
CATALOG_TABLES = ("gpus", "models", "profiles")


@dataclass(frozen=True, kw_only=True, eq=False)
class Input:
    """One workload input: everything the parser, the API, the wizard and the CLI need."""

    type: str
    label: str
    path: str = ""  # dotted JSON path, e.g. "inference.target_ttft_s" (set by the walk)
    attr: str = ""  # the dataclass attribute (differs from the key only for "model")
    help: str = ""
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    default: Any = None
    default_note: str = ""
    required: str = "never"
    kinds: tuple[str, ...] = KINDS
    modes: tuple[str, ...] = MODES
    choices: tuple[str, ...] = ()
    choices_by_kind: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    extra_choices: tuple[str, ...] = ()
    catalog: str = ""
    display_scale: float = 1.0
    display_unit: str = ""
    group: str = ""
    short: str = ""
    suggested: Any = None
    suggested_by_kind: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    used: bool = True

    @cached_property
    def key(self) -> str:
        """The input's own key inside its section (kept: the parser reads it ~65 times a
        workload)."""
        return self.path.rsplit(".", 1)[-1]

    def required_in(self, mode: str) -> bool:
        """Whether the input must be given in ``mode`` ("size" or "capacity")."""
        return self.required == "always" or (self.required == "size_mode" and mode == "size")

    def choices_for(self, kind: str | None = None) -> tuple[str, ...]:
        """The allowed values (for ``kind`` when they depend on it), extras first."""
        base = self.choices_by_kind.get(kind or "", self.choices)
        return (*base, *self.extra_choices) if self.type == "choice" else base

    def all_choices(self) -> tuple[str, ...]:
        """Every value allowed for some kind (the API's enum)."""
        return self.choices_for(None)

    def problem(self, value: Any, kind: str | None = None) -> str | None:
        """The engine's message for a present ``value`` that breaks this input's rules."""
        return check(self, value, kind)[1]


@dataclass(frozen=True, kw_only=True, eq=False)
class Section:
    """A nested object of the workload (custom_model, training, inference, assumptions)."""

    cls: type
    label: str
    help: str = ""
    kinds: tuple[str, ...] = KINDS


def _leaf(type_: str, label: str, default: Any, kw: dict[str, Any]) -> Any:
    required = kw.get("required", "never")
    if default is MISSING and required == "never" and not kw.get("default_note"):
        required = kw["required"] = "always"
    spec = Input(type=type_, label=label, default=None if default is MISSING else default, **kw)
    if default is MISSING and required == "size_mode":
        default = None
    return field(default=default, metadata={"input": spec})


def number(label: str, *, default: Any = MISSING, **kw: Any) -> Any:
    """A real-valued input (JSON number)."""
    return _leaf("number", label, default, kw)


def integer(label: str, *, default: Any = MISSING, **kw: Any) -> Any:
    """A whole-number input (JSON integer; 2.0 is accepted as 2)."""
    return _leaf("integer", label, default, kw)


def choice(label: str, *, default: Any = MISSING, **kw: Any) -> Any:
    """One of a fixed set of strings."""
    return _leaf("choice", label, default, kw)


def text(label: str, *, default: Any = MISSING, **kw: Any) -> Any:
    """A non-empty string (``catalog=`` names the catalog table of its valid values)."""
    return _leaf("text", label, default, kw)


def section(cls: type, label: str, **kw: Any) -> Any:
    """A nested object whose fields are inputs."""
    return field(default=None, metadata={"section": Section(cls=cls, label=label, **kw)})


# --- the sections -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Assumptions:
    """Every tunable default of the engine; each can be overridden and appears in every result."""

    goodput: float = number(
        "Goodput (useful share of training time)",
        kinds=TRAINING_KINDS,
        default=0.88,
        low=0.01,
        high=1.0,
        unit="fraction",
        source="useful fraction of time (restarts, evaluation), range 0.85–0.90",
    )
    eff_mem: float = number(
        "Memory-bandwidth efficiency (inference decode)",
        kinds=INFERENCE_KINDS,
        default=0.70,
        low=0.01,
        high=1.0,
        unit="fraction",
        source="achieved fraction of HBM bandwidth in decode (weights, experts touched, KV); "
        "calibrated on NIM single-user inter-token latency and TensorRT-LLM throughput "
        "(docs/sizing-engine.md, serving calibration)",
    )
    eff_compute: float = number(
        "Compute efficiency (inference prefill)",
        kinds=INFERENCE_KINDS,
        default=0.55,
        low=0.01,
        high=1.0,
        unit="fraction",
        source="achieved fraction of peak in prefill/compute-bound decode (0.45–0.65)",
    )
    usable_memory_fraction: float = number(
        "Usable share of GPU memory",
        default=0.90,
        low=0.1,
        high=1.0,
        unit="fraction",
        source="usable share of GPU memory",
    )
    framework_overhead_gb: float = number(
        "Framework overhead per GPU",
        kinds=TRAINING_KINDS,
        default=3.0,
        low=0.0,
        high=64.0,
        unit="GB",
        source="training framework overhead per GPU (2–5 GB)",
    )
    inference_workspace_gb: float = number(
        "Inference workspace per GPU",
        kinds=INFERENCE_KINDS,
        default=1.5,
        low=0.0,
        high=64.0,
        unit="GB",
        source="inference runtime workspace per GPU",
    )
    int4_bytes_per_param: float = number(
        "Bytes per parameter at INT4",
        default=0.5625,
        low=0.25,
        high=1.0,
        unit="bytes",
        source="4 bits + group scales",
    )
    qlora_bytes_per_param: float = number(
        "Bytes per parameter of a QLoRA base model",
        kinds=("qlora",),
        default=0.55,
        low=0.25,
        high=2.0,
        unit="bytes",
        source="NF4 weights + constants (QLoRA paper)",
    )
    max_batch_per_replica: int = integer(
        "Largest batch per replica",
        kinds=INFERENCE_KINDS,
        default=1024,
        low=1,
        high=65536,
        unit="sequences",
        source="scheduler limit on running sequences per replica: vLLM V1's maximum number of "
        "sequences on H100-class GPUs (1024); memory and the targets usually bind first",
    )
    prefill_chunk_tokens: int = integer(
        "Prefill chunk (tokens per step)",
        kinds=INFERENCE_KINDS,
        default=8192,
        low=64,
        high=1 << 20,
        unit="tokens",
        source="chunked prefill budget per engine step: vLLM V1's batched-token budget for the "
        "API server (8192); TensorRT-LLM's default maximum tokens per step (8192)",
    )
    decode_step_overhead_us: float = number(
        "Fixed time per engine step",
        kinds=INFERENCE_KINDS,
        default=1000.0,
        low=0.0,
        high=100000.0,
        unit="µs",
        source="scheduling, sampling and kernel launches per step; calibrated on NIM "
        "single-user inter-token latency (docs/sizing-engine.md, serving calibration)",
    )
    decode_overhead_per_sequence_us: float = number(
        "Time per running sequence per step",
        kinds=INFERENCE_KINDS,
        default=5.0,
        low=0.0,
        high=10000.0,
        unit="µs",
        source="per-sequence scheduling, sampling and detokenisation in each step; calibrated "
        "on TensorRT-LLM short-sequence throughput (docs/sizing-engine.md)",
    )
    expert_load_imbalance: float = number(
        "Expert load imbalance",
        kinds=INFERENCE_KINDS,
        default=1.2,
        low=1.0,
        high=8.0,
        unit="×",
        source="tokens on the busiest expert-parallel GPU ÷ the mean (routing is uneven); "
        "applies to expert GEMMs and the all-to-all when whole experts are spread",
    )
    moe_compute_efficiency: float = number(
        "Expert compute efficiency (serving)",
        kinds=INFERENCE_KINDS,
        default=0.25,
        low=0.05,
        high=1.0,
        unit="fraction of the inference compute efficiency",
        source="serving: expert FLOPs run at this share of the inference compute "
        "efficiency, small per-expert batches included (no separate fill term; the load "
        "imbalance is its own assumption); calibrated on TensorRT-LLM MoE throughput "
        "(docs/sizing-engine.md, serving calibration). Not the training expert GEMM "
        "efficiency, which excludes the fill",
    )
    pcie_p2p_gbps: float = number(
        "PCIe peer-to-peer bandwidth",
        default=25.0,
        low=1.0,
        high=1000.0,
        unit="GB/s",
        source="per direction when tensor parallelism crosses PCIe",
    )
    rack_power_budget_kw: float = number(
        "Rack power budget",
        default=40.0,
        low=1.0,
        high=1000.0,
        unit="kW",
        source="per rack (8 SR675 V3 nodes fit, as in the seed)",
    )
    max_nodes_per_rack: int = integer(
        "Most nodes per rack",
        default=8,
        low=1,
        high=64,
        unit="nodes",
        source="seed: Small 4/1, Medium 8/1, Large 16/2",
    )
    rack_units_per_rack: int = integer(
        "Rack units per rack", default=42, low=10, high=60, unit="U", source="42U racks (seed)"
    )
    switches_per_network_rack: int = integer(
        "Switches per network rack",
        default=16,
        low=1,
        high=40,
        unit="switches",
        source="spine/core switches per network rack",
    )
    fabric_gbps_per_gpu: float = number(
        "Compute fabric per GPU",
        default=200.0,
        low=1.0,
        high=3200.0,
        unit="Gb/s",
        source='seed "Design recommendations"',
    )
    memory_to_gpu_ratio: float = number(
        "System memory ÷ GPU memory",
        default=2.0,
        low=0.0,
        high=16.0,
        unit="ratio",
        source='seed "Design recommendations": memory = 2× GPU memory',
    )
    node_mgmt_cable_m: float = number(
        "Node management cable length",
        default=3.0,
        low=0.1,
        high=100.0,
        unit="m",
        source="node Cat5e length (seed: 3 m blue + 3 m yellow)",
    )
    mgmt_cable_same_rack_m: float = number(
        "Management cable in the same rack",
        default=0.6,
        low=0.1,
        high=100.0,
        unit="m",
        source="switch management cable (seed Large: 3791 in rack 1)",
    )
    mgmt_cable_cross_rack_m: float = number(
        "Management cable to another rack",
        default=3.0,
        low=0.1,
        high=100.0,
        unit="m",
        source="switch management cable (seed Large: 3793 in rack 2)",
    )
    btu_per_w: float = number(
        "Heat per watt",
        default=3.412,
        low=3.412,
        high=3.413,
        unit="BTU/h per W",
        source="1 W = 3.412 BTU/h (definition of the BTU)",
    )
    nvlink_efficiency: float = number(
        "NVLink achieved fraction",
        default=0.80,
        low=0.05,
        high=1.0,
        unit="fraction",
        source="NCCL bus bandwidth on NVSwitch/NVLink ≈ 80 % of the per-direction link rate "
        "(nccl-tests PERFORMANCE.md defines bus bandwidth)",
    )
    nvlink_latency_us: float = number(
        "NVLink hop latency",
        default=2.0,
        low=0.0,
        high=1000.0,
        unit="µs",
        source="per ring hop on NVLink/NVSwitch (NCCL small-message latency)",
    )
    pcie_latency_us: float = number(
        "PCIe hop latency",
        default=5.0,
        low=0.0,
        high=1000.0,
        unit="µs",
        source="per ring hop through the CPU root complex",
    )
    infiniband_efficiency: float = number(
        "InfiniBand achieved fraction",
        default=0.90,
        low=0.05,
        high=1.0,
        unit="fraction",
        source="NCCL inter-node bus bandwidth on NDR InfiniBand ≈ 90 % of the NIC rate",
    )
    infiniband_latency_us: float = number(
        "InfiniBand hop latency",
        default=5.0,
        low=0.0,
        high=1000.0,
        unit="µs",
        source="per ring hop across nodes (RDMA over InfiniBand)",
    )
    ethernet_efficiency: float = number(
        "RoCE Ethernet achieved fraction",
        default=0.80,
        low=0.05,
        high=1.0,
        unit="fraction",
        source="RoCE v2 reaches less of the link than InfiniBand (congestion control, "
        "ECMP collisions; Gangidi et al., SIGCOMM 2024, Meta's RoCE training fabric)",
    )
    ethernet_latency_us: float = number(
        "RoCE Ethernet hop latency",
        default=8.0,
        low=0.0,
        high=1000.0,
        unit="µs",
        source="per ring hop across nodes over RoCE v2",
    )
    matmul_efficiency_factor: float = number(
        "Matmul efficiency factor",
        kinds=TRAINING_KINDS,
        default=1.0,
        low=0.1,
        high=1.5,
        unit="×",
        source="scales the GPU's calibrated GEMM efficiency (docs/sizing-engine.md table)",
    )
    attention_efficiency_factor: float = number(
        "Attention efficiency factor",
        kinds=TRAINING_KINDS,
        default=1.0,
        low=0.1,
        high=2.0,
        unit="×",
        source="scales the GPU's calibrated fused-attention efficiency",
    )
    memory_efficiency_factor: float = number(
        "Memory-bound efficiency factor",
        kinds=TRAINING_KINDS,
        default=1.0,
        low=0.1,
        high=1.3,
        unit="×",
        source="scales the GPU's achieved HBM fraction in norms, activations and the optimizer",
    )
    moe_gemm_efficiency: float = number(
        "Expert GEMM efficiency (training)",
        kinds=TRAINING_KINDS,
        default=0.50,
        low=0.05,
        high=1.0,
        unit="fraction of dense bf16 GEMM",
        source="training: grouped expert GEMMs (bf16, fp8 gains nothing there) relative to "
        "dense GEMMs with every expert full; the fill (tokens per expert) is applied on top; "
        "calibrated on gpt-oss-120b (Megatron-Bridge), checked on Qwen3-235B and DeepSeek-V3 "
        "(docs/sizing-engine.md, training calibration). Not the serving expert compute "
        "efficiency, which includes small per-expert batches",
    )
    tp_exposed_fraction: float = number(
        "Exposed share of tensor-parallel traffic",
        kinds=TRAINING_KINDS,
        default=0.25,
        low=0.0,
        high=1.0,
        unit="fraction",
        source="Megatron-LM overlaps TP collectives with GEMMs only in part (Korthikanti et "
        "al. 2022; TE comm-overlap); calibrated on the NeMo TP4/TP8 runs "
        "(docs/sizing-engine.md, training calibration)",
    )
    dp_exposed_fraction: float = number(
        "Exposed share of data-parallel traffic",
        kinds=TRAINING_KINDS,
        default=0.1,
        low=0.0,
        high=1.0,
        unit="fraction",
        source="bucketed gradient reduce-scatter overlaps the last backward pass; at least this "
        "share stays exposed (Megatron distributed optimizer)",
    )
    overlap_compute_tax: float = number(
        "Compute lost to hidden communication",
        kinds=TRAINING_KINDS,
        default=0.1,
        low=0.0,
        high=1.0,
        unit="fraction",
        source="a collective hidden behind compute still runs on SMs beside it (NCCL CTAs; "
        "Megatron-Bridge's Llama 3.1 405B H100 recipe gives its overlapped TP collectives "
        "2-24 of the 132 SMs in its comm-overlap settings): each hidden second of TP, CP, DP or "
        "EP traffic costs this share of a second (about 13 of 132 SMs)",
    )
    ep_exposed_fraction: float = number(
        "Exposed share of expert all-to-all",
        kinds=TRAINING_KINDS,
        default=0.7,
        low=0.0,
        high=1.0,
        unit="fraction",
        source="dispatch/combine overlap only partly with expert GEMMs (Megatron-Core MoE)",
    )
    global_batch_tokens: float = number(
        "Largest global batch",
        kinds=TRAINING_KINDS,
        default=16_777_216.0,
        low=1024.0,
        high=1e9,
        unit="tokens",
        source="Llama 3 405B's final batch of 16M tokens (Llama 3 paper, §3.4.1)",
    )
    grad_reduce_bytes: float = number(
        "Bytes per gradient reduced",
        kinds=TRAINING_KINDS,
        default=4.0,
        low=1.0,
        high=4.0,
        unit="bytes",
        source="fp32 gradient reduce-scatter across data-parallel ranks (Llama 3 paper §3.3.4)",
    )
    optimizer_state_bytes: float = number(
        "Optimizer state bytes per parameter",
        kinds=TRAINING_KINDS,
        default=12.0,
        low=4.0,
        high=16.0,
        unit="bytes",
        source="Adam with fp32 master weights, m and v: 4 + 4 + 4 beside the bf16 weights and "
        "gradients (Rajbhandari et al. 2020, ZeRO: K = 12; Megatron-LM's distributed "
        "optimizer); 4 for bf16 m and v without master weights (PyTorch FSDP2 on a bf16 model, "
        "NeMo AutoModel's default), 8 for fp32 master weights with bf16 m and v (Megatron "
        "--use-precision-aware-optimizer --exp-avg-dtype bf16 --exp-avg-sq-dtype bf16)",
    )
    fsdp_gather_once_per_step: float = number(
        "ZeRO-3 gathers and gradient reduce-scatter once per step (1) or per micro-batch (0)",
        kinds=TRAINING_KINDS,
        default=0.0,
        low=0.0,
        high=1.0,
        unit="",
        source="0: parameters gathered forward and backward and gradients reduce-scattered per "
        "micro-batch (the defaults of DeepSpeed ZeRO-3 and PyTorch FSDP); 1: gathered at the "
        "first micro-batch and kept, gradients synchronised after the last (NeMo AutoModel's "
        "MoE FSDP2 parallelizer and its gradient-accumulation mixin; docs/sizing-engine.md, "
        "Change 3 of session 6)",
    )
    expert_weight_traffic_bytes: float = number(
        "Expert weight bytes moved per micro-batch (training)",
        kinds=TRAINING_KINDS,
        default=12.0,
        low=0.0,
        high=32.0,
        unit="bytes per expert parameter",
        source="each micro-batch the grouped expert GEMMs read every local expert's bf16 "
        "weights in the forward (2 bytes) and again for the input gradient (2), and the weight "
        "gradient GEMM reads and writes the fp32 accumulated gradient (4 + 4: Megatron-Core's "
        "Transformer Engine grouped linear layer accumulates into the fp32 main gradient, "
        "gradient accumulation fusion on by default); charged at the HBM fraction beside the "
        "expert GEMMs' FLOPs, so experts that see few tokens a micro-batch are bound by their "
        "weights (docs/sizing-engine.md, held-out points session 7); a frozen expert (LoRA) "
        "moves only its two weight reads; 0 leaves the traffic out",
    )
    data_drive_tb: float = number(
        "Data drive size",
        default=7.68,
        low=0.1,
        high=1000.0,
        unit="TB",
        source="E1.S data drive (BPKW) capacity",
    )

    racks_per_row: int = integer(
        "Racks per row",
        default=10,
        low=1,
        high=100,
        unit="racks",
        source="floor layout; estimate, set to the data hall's rows",
    )
    rack_width_m: float = number(
        "Rack width",
        default=0.6,
        low=0.3,
        high=1.5,
        unit="m",
        source="600 mm wide 19-inch (EIA-310) racks",
    )
    row_pitch_m: float = number(
        "Row pitch",
        default=2.4,
        low=1.0,
        high=20.0,
        unit="m",
        source="1.2 m deep rack + 1.2 m aisle; estimate, set to the hall's",
    )
    cable_rise_m: float = number(
        "Cable rise and slack per end",
        default=1.0,
        low=0.0,
        high=10.0,
        unit="m",
        source="top of rack to the overhead tray plus service loop, per cable end; estimate",
    )
    air_cooling_limit_kw: float = number(
        "Air cooling limit per rack",
        default=25.0,
        low=1.0,
        high=200.0,
        unit="kW",
        source="practical air-cooled rack density (rule of thumb 20–30 kW); estimate",
    )
    pdu_kw: float = number(
        "PDU capacity",
        default=17.7,
        low=1.0,
        high=200.0,
        unit="kW",
        source="3-phase 400 V 32 A PDU = 22.2 kW, derated to 80 % continuous load",
    )
    pdu_feeds: int = integer(
        "Power feeds per rack",
        default=2,
        low=1,
        high=4,
        unit="feeds",
        source="A and B feeds, each sized for the whole rack (redundant power)",
    )
    floor_m2_per_rack: float = number(
        "Floor area per rack",
        default=2.5,
        low=0.5,
        high=20.0,
        unit="m²",
        source="rack footprint 0.6 × 1.2 m plus its share of aisles (~2.5 m²); estimate",
    )
    mgmt_uplinks_per_switch: int = integer(
        "Uplinks per management switch",
        default=2,
        low=1,
        high=4,
        unit="uplinks",
        source="2 of the AS4610-54T's 4 SFP+ uplinks, one to each aggregation switch (seed text)",
    )
    mgmt_aggregation_ports: int = integer(
        "Ports per management aggregation switch",
        default=48,
        low=4,
        high=256,
        unit="ports",
        source="NVIDIA SN2410 (48x 25GbE + 8x 100GbE), named by the seed for aggregation",
    )
    checkpoint_bytes_per_param: float = number(
        "Checkpoint bytes per parameter",
        kinds=TRAINING_KINDS,
        default=14.0,
        low=0.5,
        high=64.0,
        unit="bytes",
        source="bf16 weights 2 + fp32 master 4 + Adam m and v 8 (ZeRO paper's 16 less gradients)",
    )
    checkpoints_kept: int = integer(
        "Checkpoints kept",
        kinds=TRAINING_KINDS,
        default=5,
        low=1,
        high=1000,
        unit="checkpoints",
        source="estimate; set to the retention policy",
    )
    dataset_bytes_per_token: float = number(
        "Dataset bytes per token",
        kinds=TRAINING_KINDS,
        default=4.0,
        low=0.5,
        high=1000.0,
        unit="bytes",
        source="about 4 characters of text per token (BPE tokenizers), 1 byte each",
    )
    gpu_mtbf_hours: float = number(
        "Mean time between interruptions, per GPU",
        kinds=TRAINING_KINDS,
        default=50_000.0,
        low=100.0,
        high=10_000_000.0,
        unit="h",
        source="Llama 3 paper §3.3.4: 419 interruptions in 54 days on 16,384 GPUs "
        "= 50,700 GPU-hours each",
    )
    checkpoint_share_max: float = number(
        "Largest share of the run spent writing checkpoints",
        kinds=TRAINING_KINDS,
        default=0.05,
        low=0.001,
        high=0.5,
        unit="fraction",
        source="estimate; Young/Daly interval at this share sets the write bandwidth",
    )
    model_load_target_s: float = number(
        "Model load target (inference)",
        kinds=INFERENCE_KINDS,
        default=300.0,
        low=1.0,
        high=86400.0,
        unit="s",
        source="estimate; every replica loads its weights at once after a restart",
    )

    def to_dict(self) -> dict[str, float | int]:
        """Return the assumptions as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __hash__(self) -> int:
        """The hash of the fields (what the generated one hashes), made once per object: a
        sizing looks its kept cluster side up by a key holding the workload's assumptions
        (engine/side.py), and hashing 62 fields was ~6.6 µs of it (issue 16). The fields are
        numbers, so the kept value is the same in every process."""
        kept: int | None = self.__dict__.get("_hash")
        if kept is None:
            kept = self.__dict__["_hash"] = hash(tuple(getattr(self, f.name) for f in fields(self)))
        return kept


@dataclass(frozen=True, kw_only=True)
class CustomModel:
    """A model defined by the user instead of a library slug."""

    name: str = text(
        "Name", default="Custom model", group="model", help="How the model is called in results."
    )
    layers: int = integer("Layers", low=1, high=1000, group="model", help="num_hidden_layers")
    hidden_size: int = integer("Hidden size", low=1, high=131072, group="model", help="hidden_size")
    heads: int = integer(
        "Attention heads", low=1, high=4096, group="model", help="num_attention_heads"
    )
    kv_heads: int = integer(
        "Key/value heads",
        low=1,
        high=4096,
        group="model",
        help="num_key_value_heads (= heads without GQA); divides heads",
    )
    ffn_size: int = integer(
        "Feed-forward size", low=1, high=1048576, group="model", help="intermediate_size"
    )
    vocab_size: int = integer("Vocabulary size", low=1, high=4_000_000, group="model")
    context_length: int = integer(
        "Context length",
        default=4096,
        low=16,
        high=1 << 24,
        unit="tokens",
        group="model",
        help="max_position_embeddings",
    )
    params_b: float = number(
        "Parameters",
        default_note="estimated from the shape (engine/models/arch.py estimate_params: "
        "embeddings, attention, MLP or experts per layer)",
        low=0.0,
        low_open=True,
        high=100000.0,
        unit="billion parameters",
        display_unit="billions",
        group="model",
        help="Total parameters, in billions; absent: estimated from the shape, the same "
        "estimate for the wizard, the API and the command line.",
    )
    active_params_b: float = number(
        "Active parameters",
        low=0.0,
        low_open=True,
        high=100000.0,
        unit="billion parameters",
        display_unit="billions",
        default_note="all of them (the total parameters)",
        group="model",
        help="Parameters used per token (mixture of experts).",
    )
    experts: int = integer(
        "Experts",
        default=1,
        low=1,
        high=1024,
        group="model",
        help="num_local_experts; 1 for a dense model",
    )
    experts_per_token: int = integer(
        "Experts per token", default=1, low=1, high=1024, group="model", help="num_experts_per_tok"
    )
    head_dim: int | None = integer(
        "Head size",
        default=None,
        default_note="not used by this architecture",
        low=1,
        high=4096,
        group="model",
        help="head_dim; empty = hidden_size ÷ heads (Qwen3, Gemma differ)",
    )
    kv_lora_rank: int | None = integer(
        "Compressed KV rank (MLA)",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=65536,
        group="model",
        help="kv_lora_rank of multi-head latent attention (DeepSeek V2/V3); empty = none",
    )
    q_lora_rank: int | None = integer(
        "Compressed query rank (MLA)",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=65536,
        group="model",
        help="q_lora_rank (DeepSeek)",
    )
    qk_rope_head_dim: int | None = integer(
        "Rotary key size per head (MLA)",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=4096,
        group="model",
        help="qk_rope_head_dim (DeepSeek): cached with the compressed KV",
    )
    qk_nope_head_dim: int | None = integer(
        "Non-rotary key size per head (MLA)",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=4096,
        group="model",
        help="qk_nope_head_dim (DeepSeek)",
    )
    v_head_dim: int | None = integer(
        "Value size per head (MLA)",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=4096,
        group="model",
        help="v_head_dim (DeepSeek)",
    )
    shared_experts: int | None = integer(
        "Shared experts",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=1024,
        group="model",
        help="n_shared_experts: experts every token uses (DeepSeek, Llama 4)",
    )
    moe_ffn_size: int | None = integer(
        "Expert feed-forward size",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=1048576,
        group="model",
        help="moe_intermediate_size; empty = ffn_size",
    )
    shared_ffn_size: int | None = integer(
        "Shared-expert feed-forward size",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=1048576,
        group="model",
        help="shared_expert_intermediate_size (Qwen2-MoE); empty = the expert's",
    )
    dense_layers: int | None = integer(
        "Leading dense layers",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=1000,
        group="model",
        help="first_k_dense_replace: layers before the first MoE layer",
    )
    moe_layer_step: int | None = integer(
        "MoE layer step",
        default=None,
        default_note="not used by this architecture",
        low=1,
        high=1000,
        group="model",
        help="every n-th layer is MoE (Llama 4 Maverick: 2); empty = every layer",
    )
    sliding_window: int | None = integer(
        "Sliding window",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=16777216,
        group="model",
        help="tokens a windowed (local-attention) layer attends to",
    )
    window_layers: int | None = integer(
        "Windowed layers",
        default=None,
        default_note="not used by this architecture",
        low=0,
        high=1000,
        group="model",
        help="how many layers use the sliding window (Gemma 3 27B: 52 of 62)",
    )
    embeddings: str | None = choice(
        "Embeddings",
        default=None,
        default_note="untied (separate input and output matrices)",
        choices=("untied", "tied"),
        group="model",
        help="tie_word_embeddings: tied = the output layer reuses the input embedding "
        "(Gemma, small Qwen, Phi-4-mini); counted once",
    )
    vision_params_b: float | None = number(
        "Vision encoder parameters",
        default=None,
        default_note="none (text-only model)",
        low=0.0,
        high=1000.0,
        unit="billion parameters",
        display_unit="billions",
        group="model",
        help="vision_config: the image encoder kept in GPU memory with the text model "
        "(Llama 4, Gemma 3)",
    )


@dataclass(frozen=True, kw_only=True)
class TrainingInput:
    """Training workload fields."""

    tokens: float = number(
        "Training tokens",
        low=0.0,
        low_open=True,
        high=MAX_TOKENS,
        unit="tokens",
        display_scale=1e9,
        display_unit="billion tokens",
        short="tokens_b",
        group="workload",
        suggested_by_kind={
            "pretraining": 1e12,
            "full_finetune": 1e10,
            "lora": 1e9,
            "qlora": 1e9,
        },
        help="Tokens to train on (all epochs); Llama 2 was pre-trained on 2,000 billion.",
    )
    epochs: float = number(
        "Epochs", default=1.0, low=0.0, low_open=True, high=1000.0, group="advanced"
    )
    target_days: float | None = number(
        "Deadline",
        low=0.0,
        low_open=True,
        high=36500.0,
        unit="days",
        required="size_mode",
        group="workload",
        suggested_by_kind={"pretraining": 30, "full_finetune": 7, "lora": 2, "qlora": 2},
        help="Wall-clock days the training may take (size mode); in capacity mode the result "
        "reports the days the fixed cluster needs.",
    )
    sequence_length: int | None = integer(
        "Sequence length",
        default=None,
        default_note="the model's context length, up to 4,096",
        low=16,
        high=10_000_000,
        unit="tokens",
        group="workload",
        help="Tokens per training sample; empty = the model's context length (up to 4,096).",
    )
    micro_batch_size: int | None = integer(
        "Micro-batch size",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=4096,
        unit="sequences",
        group="advanced",
        help="Sequences per micro-batch; empty lets the engine choose.",
    )
    global_batch_size: int | None = integer(
        "Global batch size",
        default=None,
        default_note="largest global batch (assumption, 16M tokens) ÷ sequence length",
        low=1,
        high=100_000_000,
        unit="sequences",
        group="advanced",
        help="Most sequences per optimizer step; bounds data parallelism × micro-batches.",
    )
    zero_stage: int | None = integer(
        "ZeRO stage",
        default=None,
        default_note="chosen by the layout search",
        low=0,
        high=3,
        group="advanced",
        help="Optimizer-state sharding 0-3; empty lets the engine choose.",
    )
    recompute: str | None = choice(
        "Activation recompute",
        default=None,
        default_note="chosen by the layout search",
        choices=RECOMPUTES,
        group="advanced",
        help="none (flash attention, everything kept), selective (norm outputs and the "
        "MLP activation rebuilt) or full; empty lets the engine choose.",
    )
    tensor_parallel: int | None = integer(
        "Tensor-parallel degree",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=64,
        unit="GPUs",
        group="advanced",
        help="GPUs splitting each layer (within a node); empty lets the engine choose.",
    )
    pipeline_parallel: int | None = integer(
        "Pipeline-parallel degree",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=1024,
        unit="stages",
        group="advanced",
        help="Pipeline stages (layers may split unevenly); empty lets the engine choose.",
    )
    expert_parallel: int | None = integer(
        "Expert-parallel degree",
        default=None,
        default_note="chosen by the layout search (mixture-of-experts models)",
        low=1,
        high=1024,
        unit="GPUs",
        group="advanced",
        help="GPUs the experts are spread over (MoE models); empty lets the engine choose.",
    )
    context_parallel: int | None = integer(
        "Context-parallel degree",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=1024,
        unit="GPUs",
        group="advanced",
        help="GPUs splitting each sequence (ring attention); empty lets the engine choose.",
    )
    lora_rank: int = integer(
        "LoRA rank",
        default=16,
        low=1,
        high=65536,
        kinds=LORA_KINDS,
        group="advanced",
        help="LoRA/QLoRA rank on every linear layer.",
    )


@dataclass(frozen=True, kw_only=True)
class InferenceInput:
    """Inference workload fields."""

    concurrent_users: int | None = integer(
        "Concurrent users",
        low=1,
        high=MAX_USERS,
        unit="users",
        required="size_mode",
        short="users",
        group="workload",
        suggested=2000,
        help="People generating at the same time; in capacity mode, optional (the result "
        "reports how many the fixed cluster serves at the targets).",
    )
    prompt_tokens: int = integer(
        "Prompt length",
        default=1024,
        low=1,
        high=10_000_000,
        unit="tokens",
        group="workload",
        help="Tokens sent per request (question + context).",
    )
    output_tokens: int = integer(
        "Answer length",
        default=256,
        low=1,
        high=10_000_000,
        unit="tokens",
        group="workload",
        help="Tokens generated per answer.",
    )
    target_tokens_per_s_per_user: float = number(
        "Speed per user",
        default=10.0,
        low=0.0,
        low_open=True,
        high=100000.0,
        unit="tokens/s",
        short="tokens_per_s",
        group="workload",
        help="Generated tokens per second each user sees; people read about 5-10.",
    )
    target_ttft_s: float = number(
        "Time to first token",
        default=2.0,
        low=0.0,
        low_open=True,
        high=86400.0,
        unit="s",
        display_unit="seconds",
        short="ttft_s",
        group="workload",
        help="Longest wait before the answer starts.",
    )
    kv_cache_precision: str | None = choice(
        "KV-cache precision",
        default=None,
        default_note="fp8 with fp8 weights, else bf16",
        choices=KV_PRECISIONS,
        group="advanced",
    )
    requests_per_s: float | None = number(
        "Requests per second",
        default=None,
        low=0.0,
        low_open=True,
        high=1e9,
        unit="requests/s",
        used=False,
        group="",
        help="Accepted, informative only.",
    )
    tensor_parallel: int | None = integer(
        "Tensor-parallel degree",
        short="serve_tp",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=64,
        unit="GPUs",
        group="advanced",
        help="Fix the GPUs one layer is split over (within a node); empty lets the engine choose.",
    )
    pipeline_parallel: int | None = integer(
        "Pipeline-parallel degree",
        short="serve_pp",
        default=None,
        default_note="chosen by the layout search",
        low=1,
        high=64,
        unit="stages",
        group="advanced",
        help="Fix the pipeline stages of one replica (across nodes); empty lets the engine choose.",
    )
    expert_parallel: str | None = choice(
        "Expert parallelism",
        short="serve_ep",
        default=None,
        default_note="chosen by the layout search",
        choices=("none", "ep", "wide"),
        group="advanced",
        help="MoE only: none = experts split like dense layers; ep = whole experts spread over "
        "the tensor-parallel GPUs (all-to-all); wide = attention data-parallel, experts over "
        "every GPU of a multi-node replica.",
    )
    prefill_chunk_tokens: int | None = integer(
        "Prefill chunk",
        default=None,
        default_note="the assumption prefill_chunk_tokens",
        low=64,
        high=1 << 20,
        unit="tokens",
        group="advanced",
        help="Chunked prefill: prompt tokens processed per engine step, interleaved with decode.",
    )


@dataclass(frozen=True, kw_only=True)
class TcoInput:
    """Cost-of-ownership inputs. The engine validates and echoes them (``tco_inputs`` in the
    result) but never prices: the TCO service (apps/sizing/tco.py) turns them into money."""

    electricity_per_kwh: float = number(
        "Electricity price",
        default=0.127,
        low=0.0,
        high=10.0,
        unit="per kWh",
        group="advanced",
        help="In the price book's currency.",
        source="US EIA Electric Power Monthly: 2023 average US commercial price ≈ 12.7 ¢/kWh",
    )
    pue: float = number(
        "Power usage effectiveness (PUE)",
        default=1.58,
        low=1.0,
        high=5.0,
        unit="ratio",
        group="advanced",
        help="Facility power ÷ IT power (cooling and distribution losses).",
        source="Uptime Institute Global Data Center Survey 2023: average annual PUE 1.58",
    )
    hosting_per_rack_month: float = number(
        "Hosting per rack and month",
        default=1500.0,
        low=0.0,
        high=1_000_000.0,
        unit="per rack-month",
        group="advanced",
        help="Space, cooling plant and operations per rack, electricity billed separately.",
        source="estimate; set to the site's or the colocation contract's figure",
    )
    support_years: int = integer(
        "Support years included",
        default=3,
        low=0,
        high=10,
        unit="years",
        group="advanced",
        help="Years of support in the BoM's services (the seed's are 3-year).",
        source="seed Tables 1-3 (3Yr support and warranty parts)",
    )
    support_renewal_pct: float = number(
        "Support renewal per year",
        default=8.0,
        low=0.0,
        high=100.0,
        unit="% of hardware",
        group="advanced",
        help="Yearly cost of support after the included years, as a share of hardware price.",
        source="estimate; set to the renewal quote",
    )
    average_load: float = number(
        "Average power draw",
        default=0.8,
        low=0.01,
        high=1.0,
        unit="fraction of peak",
        group="advanced",
        help="Average draw over the year as a share of the estimated full-load power.",
        source="estimate; GPU clusters under steady load draw most of their peak",
    )

    def to_dict(self) -> dict[str, float | int]:
        """Return the inputs as plain data."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, kw_only=True)
class Workload:
    """A validated sizing request."""

    kind: str = choice("Workload", choices=KINDS, group="workload", help="What the cluster does.")
    model_slug: str | None = text(
        "Library model",
        default=None,
        catalog="models",
        group="model",
        short="model",
        help="A model library slug; give this or custom_model.",
    )
    custom_model: CustomModel | None = section(CustomModel, "Custom model")
    training: TrainingInput | None = section(
        TrainingInput, "Training", kinds=TRAINING_KINDS, help="Required for training kinds."
    )
    inference: InferenceInput | None = section(
        InferenceInput,
        "Inference",
        kinds=("inference",),
        help="Required for inference in size mode.",
    )
    gpu: str = text(
        "GPU",
        default="auto",
        catalog="gpus",
        extra_choices=("auto",),
        group="hardware",
        help="'auto' compares every orderable GPU and fabric and picks by the stated rule.",
    )
    precision: str = choice(
        "Precision",
        default="bf16",
        choices=PRECISIONS,
        choices_by_kind=dict.fromkeys(TRAINING_KINDS, TRAINING_PRECISIONS),
        group="hardware",
        help="Numeric format of the weights (and the maths); training: bf16, fp16, fp8 only.",
    )
    nodes: int | None = integer(
        "Fixed node count",
        default=None,
        low=1,
        high=100_000,
        unit="nodes",
        group="hardware",
        help="Leave empty to size automatically; a number evaluates that cluster instead "
        "(capacity mode).",
    )
    gpus_per_node: int | None = integer(
        "GPUs per node",
        default=None,
        default_note="the full GPU base (8 on 8DW, 4 on 4DW, 8 for SXM)",
        low=1,
        high=64,
        unit="GPUs",
        group="advanced",
    )
    node_profile: str | None = text(
        "Node build",
        default=None,
        default_note="by deployment and fabric",
        catalog="profiles",
        group="advanced",
    )
    fabric: str = choice(
        "Compute fabric",
        default=None,
        default_note="auto when gpu is auto, else infiniband",
        choices=FABRICS,
        extra_choices=("auto",),
        group="hardware",
        help="Network between the GPU nodes.",
    )
    deployment: str = choice(
        "Deployment",
        default="bare_metal",
        choices=DEPLOYMENTS,
        group="hardware",
        help="Bare metal or a virtualised platform (changes the node build).",
    )
    redundancy: str = choice(
        "Redundancy",
        default="n+0",
        choices=REDUNDANCIES,
        group="hardware",
        help="Spare node for failures (excluded from capacity).",
    )
    growth_headroom_pct: float = number(
        "Growth headroom",
        default=0.0,
        low=0.0,
        high=1000.0,
        unit="%",
        short="headroom",
        modes=("size",),
        group="hardware",
        help="Extra capacity for growth (size mode: on GPUs for training, on users for inference).",
    )
    storage_tb: float | None = number(
        "Data storage",
        default=None,
        low=0.0,
        high=1e6,
        unit="TB",
        group="advanced",
        help="E1.S data drives per node = max(profile's, ceil(TB / nodes / data_drive_tb)).",
    )
    fabric_design: str = choice(
        "Fabric design",
        default="fat_tree",
        choices=FABRIC_DESIGNS,
        group="advanced",
        help="Fat tree (leaf per rack, the seed's) or rail-optimised (GPU i of every node on "
        "rail leaf i); the other is shown beside it.",
    )
    cooling: str = choice(
        "Cooling",
        default="air",
        choices=COOLINGS,
        group="advanced",
        help="Air-cooled racks warn above the air cooling limit; liquid (direct or rear-door) "
        "does not.",
    )
    oversubscription: float = number(
        "Fabric oversubscription",
        default=1.0,
        low=1.0,
        high=8.0,
        unit=":1",
        kinds=("inference",),
        group="advanced",
        help="Leaf down:up bandwidth; above 1 only for inference (training needs non-blocking).",
    )
    tco: TcoInput = field(
        default_factory=TcoInput,
        metadata={"section": Section(cls=TcoInput, label="Cost of ownership")},
    )
    assumptions: Assumptions = field(
        default_factory=Assumptions,
        metadata={"section": Section(cls=Assumptions, label="Assumptions")},
    )
    assumption_overrides: tuple[str, ...] = ()

    @property
    def capacity_mode(self) -> bool:
        """A fixed node count selects capacity mode."""
        return self.nodes is not None


# --- the derived tables ---------------------------------------------------------------------

KEY_OF_ATTR = {"model_slug": "model"}


def _walk(cls: type, prefix: str) -> Iterator[Input]:
    for f in fields(cls):
        key = KEY_OF_ATTR.get(f.name, f.name) if not prefix else f.name
        if "input" in f.metadata:
            spec: Input = f.metadata["input"]
            yield _complete(spec, prefix + key, f.name)
        elif "section" in f.metadata:
            yield from _walk(f.metadata["section"].cls, prefix + key + ".")


def _complete(spec: Input, path: str, attr: str) -> Input:
    short = spec.short
    if not short:
        head, _, name = path.rpartition(".")
        short = {"custom_model": "custom_", "assumptions": "a_"}.get(head, "") + name
    values = {f.name: getattr(spec, f.name) for f in fields(spec)}
    return Input(**{**values, "path": path, "attr": attr, "short": short})


INPUTS: tuple[Input, ...] = tuple(_walk(Workload, ""))
BY_PATH: dict[str, Input] = {i.path: i for i in INPUTS}
BY_SHORT: dict[str, Input] = {i.short: i for i in INPUTS}
SECTIONS: dict[str, Section] = {
    KEY_OF_ATTR.get(f.name, f.name): f.metadata["section"]
    for f in fields(Workload)
    if "section" in f.metadata
}
ASSUMPTIONS: tuple[Input, ...] = tuple(i for i in INPUTS if i.path.startswith("assumptions."))


@cache
def section_inputs(name: str) -> tuple[Input, ...]:
    """The inputs of one section ("" for the top level), in declaration order (kept per
    name: the declarations are fixed at import, and the parser asks for two a workload)."""
    if not name:
        return tuple(i for i in INPUTS if "." not in i.path)
    return tuple(i for i in INPUTS if i.path.startswith(name + "."))


def top_keys() -> set[str]:
    """Every key allowed at the top level of a workload."""
    return {i.path for i in section_inputs("")} | set(SECTIONS)


class _Snapshot(Protocol):
    @property
    def gpus(self) -> Mapping[str, Any]: ...
    @property
    def models(self) -> Mapping[str, Any]: ...
    @property
    def profiles(self) -> Sequence[Any]: ...


def catalog_choices(spec: Input, catalog: _Snapshot) -> tuple[str, ...]:
    """The valid values of an input whose choices come from the catalog snapshot (extras, such
    as "auto", first); the fixed choices otherwise."""
    if not spec.catalog:
        return spec.all_choices()
    table = getattr(catalog, spec.catalog)
    slugs = list(table) if isinstance(table, Mapping) else [row.slug for row in table]
    return (*spec.extra_choices, *slugs)


def applies(spec: Input, kind: str | None, mode: str) -> bool:
    """Whether the input applies to a workload of ``kind`` in ``mode``."""
    if spec.path.startswith("assumptions."):  # any may be overridden (its kinds= say where
        return True  # it is read: formatting.assumption_rows shows it only there)
    head = spec.path.split(".", 1)[0]
    sec = SECTIONS.get(head) if "." in spec.path else None
    kinds = sec.kinds if sec is not None else KINDS
    ok_kind = kind is None or (kind in kinds and kind in spec.kinds)
    return ok_kind and mode in spec.modes


# --- checking one value -----------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    import math

    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check(spec: Input, value: Any, kind: str | None = None) -> tuple[Any, str | None]:
    """(parsed value, None) or (None, the engine's message) for a present JSON value."""
    if spec.type == "number":
        return _check_number(spec, value)
    if spec.type == "integer":
        return _check_integer(spec, value)
    if spec.type == "choice":
        allowed = spec.choices_for(kind)
        if not isinstance(value, str) or value not in allowed:
            return None, f"must be one of {', '.join(allowed)}, got {value!r}"
        return value, None
    if not isinstance(value, str) or not value:
        return None, f"must be a non-empty string, got {value!r}"
    return value, None


def _check_number(spec: Input, value: Any) -> tuple[float | None, str | None]:
    low, high = float(spec.low or 0.0), float(spec.high or 0.0)
    if not _is_number(value):
        return None, f"must be a number, got {value!r}"
    too_low = value <= low if spec.low_open else value < low
    if too_low or value > high:
        bound = f"> {low:g}" if spec.low_open else f">= {low:g}"
        return None, f"must be {bound} and <= {high:g}, got {value!r}"
    return float(value), None


def _check_integer(spec: Input, value: Any) -> tuple[int | None, str | None]:
    low, high = int(spec.low or 0), int(spec.high or 0)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        return None, f"must be a whole number, got {value!r}"
    if value < low or value > high:
        return None, f"must be between {low} and {high}, got {value}"
    return value, None


def missing_message(spec: Input, kind: str | None = None) -> str:
    """The engine's message for a required input that is absent."""
    if spec.type == "choice":
        return f"is required; one of {', '.join(spec.choices_for(kind))}"
    return "is required"


def _validate_declarations() -> None:
    """Every declaration complete (checked at import, so a bad one fails every test)."""
    for spec in INPUTS:
        assert spec.type in TYPES, spec.path
        assert spec.required in REQUIRED, spec.path
        assert spec.group in GROUPS, spec.path
        assert not spec.catalog or spec.catalog in CATALOG_TABLES, spec.path
        if spec.type in ("number", "integer"):
            assert spec.low is not None and spec.high is not None, f"{spec.path}: limits"
        if spec.type == "choice":
            assert spec.choices, f"{spec.path}: choices"
    assert len(BY_SHORT) == len(INPUTS), "two inputs share a short name"
    assert all(is_dataclass(s.cls) for s in SECTIONS.values())


_validate_declarations()
