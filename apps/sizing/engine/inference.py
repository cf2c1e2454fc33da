"""Inference requirements: weights, KV cache, tensor parallel degree, TTFT, decode and replicas.

Roofline with calibrated efficiencies: prefill is compute-bound, decode is memory-bound at small
batch and compute-bound at large batch (Pope et al. 2022, "Efficiently Scaling Transformer
Inference"; NVIDIA TensorRT-LLM performance notes). A replica's cycle for one request is
B prefills plus ``output`` decode steps under continuous batching.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Gpu, LlmModel
from .hardware import GB, bytes_per_param, link_gbps, peak_flops
from .workload import Assumptions, InferenceInput


@dataclass(frozen=True)
class ReplicaModel:
    """A model served on one tensor-parallel group of GPUs."""

    model: LlmModel
    gpu: Gpu
    tp: int
    precision: str
    kv_precision: str
    spec: InferenceInput
    assumptions: Assumptions

    @property
    def weights_bytes(self) -> float:
        """Weights of the whole model at the serving precision."""
        return self.model.params_b * 1e9 * bytes_per_param(self.precision, self.assumptions)

    @property
    def kv_bytes_per_token(self) -> float:
        """KV cache per token: 2 × layers × KV heads × head_dim × bytes."""
        m = self.model
        return (
            2
            * m.layers
            * m.kv_heads
            * m.head_dim
            * bytes_per_param(self.kv_precision, self.assumptions)
        )

    @property
    def kv_bytes_per_sequence(self) -> float:
        """KV cache of one full sequence (prompt + output)."""
        return self.kv_bytes_per_token * (self.spec.prompt_tokens + self.spec.output_tokens)

    @property
    def usable_bytes(self) -> float:
        """GPU memory of the group usable for weights and KV."""
        a = self.assumptions
        return (
            self.tp
            * (self.gpu.memory_gb * a.usable_memory_fraction - a.inference_workspace_gb)
            * GB
        )

    @property
    def kv_room_bytes(self) -> float:
        """Memory left for KV cache after the weights."""
        return self.usable_bytes - self.weights_bytes

    @property
    def memory_batch(self) -> int:
        """Sequences whose KV cache fits, capped by the batch limit."""
        if self.kv_room_bytes <= 0:
            return 0
        fits = int(self.kv_room_bytes // self.kv_bytes_per_sequence)
        return min(fits, self.assumptions.max_batch_per_replica)

    @property
    def peak(self) -> float:
        """Dense peak FLOP/s of the group at the compute precision."""
        return (peak_flops(self.gpu, self.precision) or 0.0) * self.tp

    def weights_read_bytes(self, batch: int) -> float:
        """Weights streamed per decode step: dense part plus the experts a batch touches."""
        m = self.model
        if m.experts <= 1:
            return self.weights_bytes
        per_expert = (m.params_b - m.active_params_b) / (m.experts - m.experts_per_token)
        dense = m.params_b - m.experts * per_expert
        touched = m.experts * (1 - (1 - m.experts_per_token / m.experts) ** batch)
        return (
            (dense + touched * per_expert) * 1e9 * bytes_per_param(self.precision, self.assumptions)
        )

    def comm_s(self, batch: int) -> float:
        """Tensor-parallel all-reduce time per step (two per layer)."""
        if self.tp == 1:
            return 0.0
        a, m = self.assumptions, self.model
        volume = batch * m.hidden_size * 2 * 2 * (self.tp - 1) / self.tp
        return (
            2
            * m.layers
            * (a.allreduce_latency_us * 1e-6 + volume / (link_gbps(self.gpu, self.tp, a) * GB))
        )

    def step_s(self, batch: int) -> float:
        """Decode step time at a batch: max(memory, compute) plus TP communication."""
        a, spec = self.assumptions, self.spec
        context = spec.prompt_tokens + spec.output_tokens / 2
        read = self.weights_read_bytes(batch) + batch * self.kv_bytes_per_token * context
        t_mem = read / (self.tp * self.gpu.memory_bandwidth_gbps * GB * a.eff_mem)
        t_compute = batch * 2 * self.model.active_params_b * 1e9 / (self.peak * a.eff_compute)
        return max(t_mem, t_compute) + self.comm_s(batch)

    def prefill_s(self) -> float:
        """Prefill time of one prompt: 2·N·prompt FLOPs at the compute efficiency."""
        flops = 2 * self.model.active_params_b * 1e9 * self.spec.prompt_tokens
        return flops / (self.peak * self.assumptions.eff_compute) + self.comm_s(
            self.spec.prompt_tokens
        )

    def user_rate(self, batch: int) -> float:
        """Output tokens/s one user sees with ``batch`` users on the replica."""
        out = self.spec.output_tokens
        return out / (batch * self.prefill_s() + out * self.step_s(batch))

    def ttft_s(self, batch: int) -> float:
        """Time to first token: the prompt's prefill plus the decode step it joins."""
        return self.prefill_s() + self.step_s(batch)

    def meets(self, batch: int) -> bool:
        """Whether ``batch`` users get the per-user speed and first-token targets."""
        spec = self.spec
        return (
            self.user_rate(batch) >= spec.target_tokens_per_s_per_user
            and self.ttft_s(batch) <= spec.target_ttft_s
        )

    def max_batch(self) -> int:
        """Largest batch meeting memory and both targets (0 if even one user misses)."""
        high = self.memory_batch
        if high < 1 or not self.meets(1):
            return 0
        low = 1
        while low < high:
            mid = (low + high + 1) // 2
            if self.meets(mid):
                low = mid
            else:
                high = mid - 1
        return low


def kv_precision_for(precision: str, spec: InferenceInput) -> str:
    """KV cache precision: the input's, else fp8 with fp8 weights, else bf16."""
    if spec.kv_cache_precision:
        return spec.kv_cache_precision
    return "fp8" if precision == "fp8" else "bf16"
