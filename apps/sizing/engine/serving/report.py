"""What a serving choice achieves on a cluster, as result figures, memory and explanations."""

from __future__ import annotations

import math
from typing import Any

from ..explain import Explainer, Explanation
from ..hardware import GB
from .replica import Replica, ServingSetup
from .search import Choice

SRC = "Serving step model (sizing-model §5; Pope et al. 2022); docs/sizing-engine.md 'Serving'"
# The serving explanations the result page, the PDF and the API show together, in order
# (``inference.explained`` of a result lists them; each is an entry of ``explanations``).
EXPLAINED = (
    "inference.layout",
    "memory.kv_cache_gb",
    "memory.total_per_gpu_gb",
    "inference.prefill_ms",
    "inference.decode_step_ms",
    "inference.ttft_s",
    "inference.tpot_ms",
    "inference.tokens_per_s_per_user",
)


def figures(choice: Choice, replicas: int, users: int | None) -> dict[str, Any]:
    """The ``inference`` block of a result for ``replicas`` replicas of the choice."""
    r = choice.replica
    s = r.s
    per_replica = r.max_batch
    max_users = replicas * per_replica
    users = users or max(max_users, replicas)
    load = max(1, min(math.ceil(users / replicas), r.memory_batch))
    served = min(users, replicas * r.memory_batch)
    rate = r.user_rate(load)
    step = r.decode(load)
    pre = r.prefill
    lay = r.layout
    return {
        "tensor_parallel": lay.tp,
        "pipeline_parallel": lay.pp,
        "expert_parallel": lay.ep,
        "attention_data_parallel": lay.dp_attn,
        "gpus_per_replica": lay.gpus,
        "nodes_per_replica": lay.nodes,
        "layout": {**lay.to_dict(), "why": choice.why, "layouts_considered": choice.considered},
        "replicas": replicas,
        "concurrent_users": users,
        "users_per_replica": load,
        "max_users_per_replica": per_replica,
        "output_tokens_per_s": round(served * rate, 1),
        "tokens_per_s_per_user": round(rate, 2),
        "ttft_s": round(r.ttft_s(load), 4),
        "tpot_ms": round(1000 / rate, 3) if rate > 0 else None,
        "max_concurrent_users": max_users,
        "per_replica_output_tokens_per_s": round(load * rate, 1),
        "decode_step_ms": round(step.total_s * 1000, 3),
        "prefill_ms": round(r.prefill_s() * 1000, 3),
        "decode_step": step.to_dict(),
        "prefill": {
            "prompt_tokens": s.spec.prompt_tokens,
            "chunk_tokens": s.chunk,
            "chunks": int(pre["chunks"]),
            "tflop": round(pre["flops"] / 1e12, 3),
            "attention_tflop": round(pre["attention_flops"] / 1e12, 3),
            "compute_ms": round(pre["compute_s"] * 1000, 3),
            "communication_ms": round(pre["comm_s"] * 1000, 3),
            "total_ms": round(pre["total_s"] * 1000, 3),
            "replica_work_ms": round(pre["work_s"] * 1000, 3),
        },
        "kv_cache_precision": s.kv_precision,
        "memory_batch_limit": r.memory_batch,
        "targets": {
            "tokens_per_s_per_user": s.spec.target_tokens_per_s_per_user,
            "ttft_s": s.spec.target_ttft_s,
            "tpot_ms": round(1000 / s.spec.target_tokens_per_s_per_user, 3),
        },
        # ``r.meets(load)``: the targets hold for a prefix of batches, the max batch's
        "meets_targets": load <= per_replica and users <= max_users,
        "explained": list(EXPLAINED),
    }


def memory(r: Replica, load: int) -> dict[str, Any]:
    """The ``memory`` block: per GPU and whole-model figures."""
    s = r.s
    parts = r.memory_breakdown(load)
    kv_total = s.kv_bytes(r.sequence_tokens) * load
    fixed = _fixed(s)[0]
    return {
        "gpu_memory_gb": fixed["gpu_memory_gb"],
        "usable_gb_per_gpu": parts["usable_gb"],
        "weights_gb": fixed["weights_gb"],
        "expert_weights_gb": fixed["expert_weights_gb"],
        "weights_per_gpu_gb": parts["weights_gb"],
        "kv_cache_gb": round(kv_total / GB, 2),
        "kv_cache_per_gpu_gb": parts["kv_cache_gb"],
        "kv_bytes_per_token": fixed["kv_bytes_per_token"],
        "activations_per_gpu_gb": parts["activations_gb"],
        "workspace_gb_per_gpu": parts["workspace_gb"],
        "total_per_gpu_gb": parts["total_gb"],
    }


def _fixed(s: ServingSetup) -> tuple[dict[str, Any], tuple[Explanation, ...]]:
    """What the memory block and the explanations show that reads neither the load nor the
    prompt — the GPU's memory, the weights, the KV bytes per token and the explanations of
    the last two — kept with the setup's layouts (``ServingSetup.kept``: keyed on the model,
    GPU, precisions and assumptions these read; issue 16: the API's distinct workloads
    report the same model on the same GPU for another prompt length). Read-only: every
    result of the setup holds the same explanations (as a kept cluster side's)."""
    kept = s.kept
    fixed = kept.report
    if fixed is None:
        m = {
            "gpu_memory_gb": s.gpu.memory_gb,
            "weights_gb": round(s.weights_bytes / GB, 2),
            "expert_weights_gb": round(s.expert_bytes / GB, 2),
            "kv_bytes_per_token": round(s.kv_bytes(1), 1),
        }
        ex = Explainer()
        _explain_weights(ex, s, m)
        fixed = kept.report = (m, tuple(ex.items))
    return fixed


def _explain_weights(ex: Explainer, s: ServingSetup, m: dict[str, Any]) -> None:
    """The explanations of the weights and the KV bytes per token (``_fixed``)."""
    a = s.arch
    ex.add(
        "memory.weights_gb",
        m["weights_gb"],
        "GB",
        rule="Model weights at the serving precision (routed experts included); the "
        "embeddings, the output head and a vision tower stay at 16 bits when the precision is "
        "narrower, as quantized checkpoints leave them.",
        formula="(N − U) × bytes(precision) + U × max(bytes(precision), 2)",
        source="sizing-model §5; NVIDIA FP8 model cards: only the linear layers within the "
        "transformer blocks are quantized",
        inputs={
            "params_b": s.model.params_b,
            "bytes_per_param": s.bytes_per_weight,
            "unquantized_params_b": round(
                (a.embedding_params + a.vision_params) * s.scale / 1e9, 3
            ),
            "expert_weights_gb": m["expert_weights_gb"],
        },
    )
    attention = (
        "MLA latent (kv_lora_rank + qk_rope_head_dim)" if a.is_mla else "2 × kv_heads × head_dim"
    )
    ex.add(
        "memory.kv_bytes_per_token",
        m["kv_bytes_per_token"],
        "bytes",
        rule="KV cache per token: cached values per layer × layers × bytes; windowed layers "
        "keep only their window.",
        formula=f"layers × {attention} × bytes(kv)",
        source="sizing-model §5",
        inputs={
            "layers": a.layers,
            "kv_heads": a.kv_heads,
            "head_dim": a.head_dim,
            "kv_lora_rank": a.kv_lora_rank,
            "qk_rope_head_dim": a.qk_rope_head_dim,
            "sliding_window": a.sliding_window,
            "window_layers": a.window_layers,
            "kv_precision": s.kv_precision,
        },
    )


def warnings(r: Replica, users: int, max_users: int) -> tuple[str, ...]:
    """Notes a reader should see beside the figures."""
    out = []
    gpu, lay = r.s.gpu, r.layout
    if lay.tp > max(gpu.link_domain, 1):
        out.append(
            f"Tensor parallel {lay.tp} crosses PCIe: {gpu.name} links only "
            f"{gpu.link_domain} GPU(s)."
        )
    if lay.nodes > 1:
        out.append(
            f"Each replica spans {lay.nodes} nodes ({lay.label()}): the stages or experts "
            f"communicate over the compute fabric."
        )
    if users > max_users:
        out.append(f"{users} users exceed the {max_users} this cluster serves at the targets.")
    out.extend(r.s.arch.notes)
    return tuple(out)


def explain(
    ex: Explainer, choice: Choice, replicas: int, f: dict[str, Any], m: dict[str, Any]
) -> None:
    """Explanations of the layout, memory, prefill and decode. ``f`` and ``m`` are the
    ``figures`` and ``memory`` blocks of this choice and replica count: the explanations show
    their rounded figures again, read from them instead of computed a second time (issue 16:
    the report was a quarter of a one-node sizing, a third of it ``round`` calls)."""
    r = choice.replica
    s, lay = r.s, r.layout
    load = f["users_per_replica"]
    step = r.decode(load)
    prefill = f["prefill"]
    ex.items.extend(_fixed(s)[1])  # memory.weights_gb, memory.kv_bytes_per_token
    ex.add(
        "memory.kv_cache_gb",
        m["kv_cache_gb"],
        "GB",
        rule="KV cache of the running sequences: each user's prompt and answer so far, at the "
        "KV precision, split over the GPUs holding its layers and heads.",
        formula="KV bytes per token × (prompt + output) tokens × users per replica; per GPU ÷ "
        "(TP or attention DP) × PP",
        source=SRC,
        inputs={
            "kv_bytes_per_token": m["kv_bytes_per_token"],
            "prompt_tokens": s.spec.prompt_tokens,
            "output_tokens": s.spec.output_tokens,
            "users_per_replica": load,
            "kv_cache_per_gpu_gb": m["kv_cache_per_gpu_gb"],
            "memory_batch_limit": r.memory_batch,
            "kv_precision": s.kv_precision,
        },
    )
    ex.add(
        "memory.total_per_gpu_gb",
        m["total_per_gpu_gb"],
        "GB",
        rule="Memory per GPU: weights + KV of the running sequences + activations + workspace.",
        formula="non-expert/(TP×PP) + experts/GPUs + KV(batch)/(shards) + chunk activations "
        "+ workspace <= usable",
        source=SRC,
        inputs={
            "weights_per_gpu_gb": m["weights_per_gpu_gb"],
            "kv_cache_per_gpu_gb": m["kv_cache_per_gpu_gb"],
            "activations_per_gpu_gb": m["activations_per_gpu_gb"],
            "workspace_gb_per_gpu": m["workspace_gb_per_gpu"],
            "usable_gb_per_gpu": m["usable_gb_per_gpu"],
            "batch": load,
        },
    )
    ex.add(
        "inference.layout",
        lay.label(),
        "",
        rule=choice.why,
        formula="min over layouts of ceil(users / max batch) × GPUs per replica, "
        "fewest nodes per replica first",
        source=SRC,
        inputs={
            "tensor_parallel": lay.tp,
            "pipeline_parallel": lay.pp,
            "expert_parallel": lay.ep,
            "attention_data_parallel": lay.dp_attn,
            "nodes_per_replica": lay.nodes,
            "layouts_considered": choice.considered,
        },
    )
    ex.add(
        "inference.tensor_parallel",
        lay.tp,
        "GPUs",
        rule="GPUs each layer is split over, within a node.",
        formula="chosen with the layout",
        source=SRC,
        inputs={"memory_batch_limit": r.memory_batch},
    )
    ex.add(
        "inference.prefill_ms",
        f["prefill_ms"],
        "ms",
        rule="One prompt's prefill on an idle replica: the FLOPs of the active weights and of "
        "causal attention at the achievable compute rate, the collectives of each chunk, and "
        "the chunks streaming through the pipeline stages.",
        formula="(2·N_active·p + attention FLOPs(p)) / (TP × PP × peak × eff_compute) + "
        "collectives, × (1 + (PP−1) × chunk / p)",
        source=SRC,
        inputs={
            "prompt_tokens": s.spec.prompt_tokens,
            "chunk_tokens": s.chunk,
            "chunks": prefill["chunks"],
            "tflop": prefill["tflop"],
            "attention_tflop": prefill["attention_tflop"],
            "compute_ms": prefill["compute_ms"],
            "communication_ms": prefill["communication_ms"],
            "eff_compute": s.assumptions.eff_compute,
        },
    )
    ex.add(
        "inference.ttft_s",
        f["ttft_s"],
        "s",
        rule="Prefill in chunks (compute-bound, attention grows with the prompt squared), "
        "pipelined over the stages, plus the decode step each chunk rides with.",
        formula="(2·N_active·p + 2·L·heads·(d_qk+d_v)·p²/2) / (TP × peak × eff_compute) "
        "+ collectives + chunks × step(batch)",
        source=SRC,
        inputs={
            "prompt_tokens": s.spec.prompt_tokens,
            "chunks": prefill["chunks"],
            "prefill_ms": f["prefill_ms"],
            "attention_tflop": prefill["attention_tflop"],
            "eff_compute": s.assumptions.eff_compute,
            "wait_ms": round(r.wait_s(load) * 1000, 3),
            "target_ttft_s": s.spec.target_ttft_s,
            "meets_target": r.ttft_s(load) <= s.spec.target_ttft_s,
        },
    )
    ex.add(
        "inference.decode_step_ms",
        f["decode_step_ms"],
        "ms",
        rule="Decode reads each GPU's weights (the experts the batch touches) and the KV of the "
        f"live context; this step is {step.bound}-bound.",
        formula="PP × (max(bytes/(BW·eff_mem), FLOPs/(peak·eff_compute)) + all-reduce + "
        "all-to-all) + (PP−1) hops + overhead",
        source=SRC,
        inputs=dict(f["decode_step"]),  # ``step.to_dict()``
    )
    rate = r.user_rate(load)
    target_rate = s.spec.target_tokens_per_s_per_user
    ex.add(
        "inference.tpot_ms",
        f["tpot_ms"],
        "ms",
        rule="Time per output token a user sees: the decode step, plus the share of the other "
        "users' prefills interleaved with it (chunked prefill).",
        formula="(output × step(B) + B × prefill work per prompt) / output",
        source=SRC,
        inputs={
            "batch": load,
            "output_tokens": s.spec.output_tokens,
            "decode_step_ms": f["decode_step_ms"],
            "prefill_work_ms": prefill["replica_work_ms"],
            "target_tpot_ms": f["targets"]["tpot_ms"],
            "meets_target": rate >= target_rate,
        },
    )
    ex.add(
        "inference.tokens_per_s_per_user",
        f["tokens_per_s_per_user"],
        "tokens/s",
        rule="Each user's tokens wait for the decode steps and for the other users' prefills.",
        formula="output / (output × step(B) + B × prefill work per prompt)",
        source=SRC,
        inputs={
            "batch": load,
            "output_tokens": s.spec.output_tokens,
            "eff_mem": s.assumptions.eff_mem,
            "target_tokens_per_s_per_user": target_rate,
            "meets_target": rate >= target_rate,
        },
    )
    ex.add(
        "inference.max_concurrent_users",
        f["max_concurrent_users"],
        "users",
        rule="Replicas × largest batch meeting memory and both targets.",
        formula="replicas × max B with rate(B) >= target, TTFT(B) <= target, KV(B) fits",
        source=SRC,
        inputs={"replicas": replicas, "max_users_per_replica": r.max_batch},
    )
