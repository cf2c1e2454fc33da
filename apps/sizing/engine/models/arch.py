"""The architecture of a decoder-only language model, and what follows from it.

``ModelArch`` describes current architectures explicitly: head size (not hidden ÷ heads), GQA and
MQA (``kv_heads``), multi-head latent attention (DeepSeek V2/V3: ``kv_lora_rank``,
``qk_rope_head_dim``, ``q_lora_rank``, ``v_head_dim``), mixtures of experts with routed and
shared experts, experts per token, leading dense layers, interleaved MoE layers and their own
FFN size, sliding-window (or chunked local) attention layers, tied embeddings and a vision
tower. Parameter counts, KV-cache bytes and FLOPs are computed from it, never looked up.

Counting conventions (checked against each family's published counts in
tests/sizing_engine/test_models.py):

* total = every weight that must sit in GPU memory (text stack + vision tower);
* active = the weights one token multiplies: attention, dense MLPs, shared experts and the
  ``experts_per_token`` routed experts of every MoE layer, routers, the output head; the input
  embedding is a lookup (one row per token), so ``active_params(include_input_embedding=True)``
  gives the convention of families that count it (Mixtral, DeepSeek, Qwen, Llama 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

MLP_MATRICES_GATED = 3  # SwiGLU / GeGLU: gate, up, down
MLP_MATRICES_PLAIN = 2  # GELU MLP: up, down (GPT-3, BLOOM, Falcon, MPT)


@dataclass(frozen=True, kw_only=True)
class ModelArch:
    """Architecture facts of one model (all sizes in elements, not bytes)."""

    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn_size: int  # dense MLP intermediate size
    vocab_size: int
    context_length: int
    mlp_matrices: int = MLP_MATRICES_GATED
    attention_bias: bool = False
    tied_embeddings: bool = False
    # multi-head latent attention (0 = ordinary multi-head / grouped-query attention)
    kv_lora_rank: int = 0
    q_lora_rank: int = 0
    qk_rope_head_dim: int = 0
    qk_nope_head_dim: int = 0
    v_head_dim: int = 0
    # mixture of experts (experts = 1: dense)
    experts: int = 1
    experts_per_token: int = 1
    shared_experts: int = 0
    moe_ffn_size: int = 0  # FFN size of one routed expert (0: ffn_size)
    shared_ffn_size: int = 0  # FFN size of one shared expert (0: moe_ffn_size)
    dense_layers: int = 0  # leading dense layers (first_k_dense_replace)
    moe_layer_step: int = 1  # every n-th layer is MoE (Llama 4 Maverick: 2)
    # local attention: ``window_layers`` of the layers attend to the last ``sliding_window``
    sliding_window: int = 0
    window_layers: int = 0
    vision_params: float = 0.0  # vision tower weights, kept in memory with the text stack
    notes: tuple[str, ...] = field(default=(), compare=False)

    # ------------------------------------------------------------------ structure
    @property
    def is_mla(self) -> bool:
        """Multi-head latent attention (DeepSeek V2/V3)."""
        return self.kv_lora_rank > 0

    @property
    def is_moe(self) -> bool:
        """A mixture of experts with more than one routed expert."""
        return self.experts > 1

    @property
    def moe_layers(self) -> int:
        """Layers whose MLP is a mixture of experts."""
        if not self.is_moe:
            return 0
        step = max(self.moe_layer_step, 1)
        return sum(1 for i in range(self.dense_layers, self.layers) if (i + 1) % step == 0)

    @property
    def dense_mlp_layers(self) -> int:
        """Layers with an ordinary (dense) MLP."""
        return self.layers - self.moe_layers

    @property
    def expert_ffn(self) -> int:
        """FFN size of one routed expert."""
        return self.moe_ffn_size or self.ffn_size

    @property
    def qk_head_dim(self) -> int:
        """Query/key size per head used by the attention scores."""
        return self.qk_nope_head_dim + self.qk_rope_head_dim if self.is_mla else self.head_dim

    @property
    def value_head_dim(self) -> int:
        """Value size per head."""
        return (self.v_head_dim or self.head_dim) if self.is_mla else self.head_dim

    # ------------------------------------------------------------------ parameters
    def attention_params(self) -> float:
        """Weights of one attention block (projections, biases, MLA norms)."""
        h, n = self.hidden_size, self.heads
        if self.is_mla:
            if self.q_lora_rank:
                q = (
                    h * self.q_lora_rank
                    + self.q_lora_rank
                    + self.q_lora_rank * n * self.qk_head_dim
                )
            else:
                q = h * n * self.qk_head_dim
            kv_a = h * (self.kv_lora_rank + self.qk_rope_head_dim) + self.kv_lora_rank
            kv_b = self.kv_lora_rank * n * (self.qk_nope_head_dim + self.value_head_dim)
            return float(q + kv_a + kv_b + n * self.value_head_dim * h)
        q = h * n * self.head_dim
        kv = 2 * h * self.kv_heads * self.head_dim
        o = n * self.head_dim * h
        bias = (n + 2 * self.kv_heads) * self.head_dim if self.attention_bias else 0
        return float(q + kv + o + bias)

    def mlp_params(self, ffn: int) -> float:
        """Weights of one MLP (gated: 3 matrices; plain: 2)."""
        return float(self.mlp_matrices * self.hidden_size * ffn)

    @property
    def expert_params(self) -> float:
        """Weights of one routed expert."""
        return self.mlp_params(self.expert_ffn)

    @property
    def shared_params_per_layer(self) -> float:
        """Weights of a MoE layer's shared experts."""
        return self.shared_experts * self.mlp_params(self.shared_ffn_size or self.expert_ffn)

    @property
    def router_params(self) -> float:
        """Router weights of one MoE layer."""
        return float(self.hidden_size * self.experts) if self.is_moe else 0.0

    @property
    def embedding_params(self) -> float:
        """Input embedding (and the output head when untied)."""
        one = float(self.vocab_size * self.hidden_size)
        return one if self.tied_embeddings else 2 * one

    @property
    def routed_expert_params(self) -> float:
        """All routed-expert weights (what expert parallelism spreads over GPUs)."""
        return self.moe_layers * self.experts * self.expert_params

    def _backbone(self) -> float:
        norms = 2 * self.hidden_size * self.layers + self.hidden_size
        dense = self.dense_mlp_layers * self.mlp_params(self.ffn_size)
        moe_fixed = self.moe_layers * (self.shared_params_per_layer + self.router_params)
        return self.layers * self.attention_params() + norms + dense + moe_fixed

    def total_params(self) -> float:
        """Every weight held in GPU memory (counted once per architecture: it is frozen, and
        a catalog model's is shared by every sizing of that model)."""
        kept: float | None = self.__dict__.get("_total_params")
        if kept is None:
            backbone, experts = self._backbone(), self.routed_expert_params
            kept = backbone + experts + self.embedding_params + self.vision_params
            self.__dict__["_total_params"] = kept
        return kept

    def active_params(self, include_input_embedding: bool = False) -> float:
        """Weights one token multiplies (see the module docstring for the convention; counted
        once per architecture and argument, as ``total_params``)."""
        name = "_active_params_embed" if include_input_embedding else "_active_params"
        kept: float | None = self.__dict__.get(name)
        if kept is None:
            used = min(self.experts_per_token, self.experts)
            routed = self.moe_layers * used * self.expert_params
            head = float(self.vocab_size * self.hidden_size)
            embed = head if include_input_embedding and not self.tied_embeddings else 0.0
            kept = self._backbone() + routed + head + embed
            self.__dict__[name] = kept
        return kept

    @property
    def non_expert_params(self) -> float:
        """Weights outside the routed experts (attention, dense MLPs, shared experts, heads)."""
        return self.total_params() - self.routed_expert_params

    # ------------------------------------------------------------------ KV cache
    def kv_elements_per_layer(self) -> int:
        """Cached values per token per layer: K and V per KV head, or MLA's latent + rope key."""
        if self.is_mla:
            return self.kv_lora_rank + self.qk_rope_head_dim
        return 2 * self.kv_heads * self.head_dim

    def kv_elements(self, tokens: float) -> float:
        """Cached values of a sequence of ``tokens`` (windowed layers keep their window only)."""
        full = self.layers - self.window_layers
        windowed = min(tokens, self.sliding_window) if self.sliding_window else tokens
        return self.kv_elements_per_layer() * (full * tokens + self.window_layers * windowed)

    # ------------------------------------------------------------------ attention FLOPs
    def attention_flops(self, position_sum_full: float, position_sum_window: float) -> float:
        """Score and value FLOPs given the summed attended positions of full and windowed
        layers: 2 FLOPs per multiply-add, QKᵀ (qk_head_dim) and AV (value_head_dim) per head."""
        per_position = 2 * self.heads * (self.qk_head_dim + self.value_head_dim)
        full = self.layers - self.window_layers
        return per_position * (full * position_sum_full + self.window_layers * position_sum_window)

    def prefill_attention_flops(self, prompt: float, cached: float = 0.0) -> float:
        """Causal attention FLOPs of ``prompt`` new tokens after ``cached`` tokens (chunked
        prefill): 2·L·(qk+v)·heads·Σ positions ≈ the 2·L·h·p² term of sizing-model §5."""
        full = prompt * cached + prompt * prompt / 2
        window = full
        if self.sliding_window:
            w = self.sliding_window
            window = prompt * min(cached + prompt / 2, w)
        return self.attention_flops(full, window)

    def decode_attention_flops(self, context: float) -> float:
        """Attention FLOPs of one new token over ``context`` cached tokens."""
        window = min(context, self.sliding_window) if self.sliding_window else context
        return self.attention_flops(context, window)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for results and the import endpoint."""
        return {
            "layers": self.layers,
            "hidden_size": self.hidden_size,
            "heads": self.heads,
            "kv_heads": self.kv_heads,
            "head_dim": self.head_dim,
            "ffn_size": self.ffn_size,
            "vocab_size": self.vocab_size,
            "context_length": self.context_length,
            "attention": "mla" if self.is_mla else ("mqa" if self.kv_heads == 1 else "gqa"),
            "mlp_matrices": self.mlp_matrices,
            "tied_embeddings": self.tied_embeddings,
            "kv_lora_rank": self.kv_lora_rank,
            "q_lora_rank": self.q_lora_rank,
            "qk_rope_head_dim": self.qk_rope_head_dim,
            "qk_nope_head_dim": self.qk_nope_head_dim,
            "v_head_dim": self.v_head_dim,
            "experts": self.experts,
            "experts_per_token": self.experts_per_token,
            "shared_experts": self.shared_experts,
            "moe_ffn_size": self.moe_ffn_size,
            "dense_layers": self.dense_layers,
            "moe_layer_step": self.moe_layer_step,
            "moe_layers": self.moe_layers,
            "sliding_window": self.sliding_window,
            "window_layers": self.window_layers,
            "vision_params_b": round(self.vision_params / 1e9, 3),
            "params_b": round(self.total_params() / 1e9, 3),
            "active_params_b": round(self.active_params() / 1e9, 3),
            "kv_values_per_token": self.kv_elements(1),
            "notes": list(self.notes),
        }


def simple_arch(
    layers: int,
    hidden_size: int,
    heads: int,
    kv_heads: int,
    ffn_size: int,
    vocab_size: int,
    context_length: int,
    experts: int = 1,
    experts_per_token: int = 1,
) -> ModelArch:
    """A Llama-shaped architecture from the classic shape fields (head size = hidden ÷ heads,
    gated MLP, untied embeddings): what a row without architecture columns describes."""
    return ModelArch(
        layers=layers,
        hidden_size=hidden_size,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=max(hidden_size // max(heads, 1), 1),
        ffn_size=ffn_size,
        vocab_size=vocab_size,
        context_length=context_length,
        experts=experts,
        experts_per_token=min(experts_per_token, experts),
    )


def estimate_params(shape: dict[str, Any]) -> tuple[float, float] | None:
    """(total, active) parameters in billions from a model's shape fields (``layers``,
    ``hidden_size``, ``heads``, ``kv_heads``, ``ffn_size``, ``vocab_size``, optional
    ``experts``, ``experts_per_token``, ``head_dim``, ``moe_ffn_size``...); None when a size is
    missing or not a positive whole number. The wizard and the API use this one estimate."""
    keys = ("layers", "hidden_size", "heads", "kv_heads", "ffn_size", "vocab_size")
    try:
        values = [int(shape[k]) for k in keys]
    except (KeyError, TypeError, ValueError):
        return None
    if min(values) <= 0:
        return None
    layers, hidden, heads, kv_heads, ffn, vocab = values
    arch = simple_arch(
        layers,
        hidden,
        heads,
        kv_heads,
        ffn,
        vocab,
        int(shape.get("context_length") or 4096),
        int(shape.get("experts") or 1),
        int(shape.get("experts_per_token") or 1),
    )
    extra: dict[str, Any] = {
        k: int(shape[k])
        for k in ARCH_INT_FIELDS
        if shape.get(k) not in (None, "") and str(shape[k]).lstrip("-").isdigit()
    }
    if shape.get("embeddings") == "tied":
        extra["tied_embeddings"] = True
    try:
        vision = float(shape.get("vision_params_b") or 0)
    except (TypeError, ValueError):
        vision = 0.0
    if vision > 0:
        extra["vision_params"] = vision * 1e9
    arch = replace(arch, **extra)
    return round(arch.total_params() / 1e9, 3), round(arch.active_params(True) / 1e9, 3)


# The integer dimensions of the architecture variants (multi-head latent attention, shared and
# routed experts, leading dense layers, local attention; left empty: ModelArch's default, the
# variant not used). The catalog's llm_models file has a column of each name
# (apps/catalog/csv_format.py imports this).
ARCH_VARIANT_FIELDS = (
    "kv_lora_rank",
    "q_lora_rank",
    "qk_rope_head_dim",
    "qk_nope_head_dim",
    "v_head_dim",
    "shared_experts",
    "moe_ffn_size",
    "shared_ffn_size",
    "dense_layers",
    "moe_layer_step",
    "sliding_window",
    "window_layers",
)
# The optional integer fields of ModelArch a catalog row or a custom model may give.
ARCH_INT_FIELDS = ("head_dim", *ARCH_VARIANT_FIELDS)
