"""Import a Hugging Face ``config.json``: the ONE parser used by the wizard, the API and the CLI.

(Longer than ~400 lines on purpose: one reader per model family, sharing the key readers and
their field errors.)

``import_config_text`` takes the file's text (hostile input is expected: deep nesting, huge
numbers, wrong types) and returns an ``ImportedModel`` — the ``ModelArch`` plus the
``custom_model`` fields a workload takes — or raises ``SizingInputError`` whose field paths
name the config key (``config.text_config.num_hidden_layers``) and say what is allowed.

Families read (keys as in each family's transformers configuration class): Llama 2/3/3.1/3.3
(``llama``), Llama 4 (``llama4``, nested ``text_config``, interleaved MoE, chunked attention),
Mistral, Mixtral, Qwen 2/2.5/3 dense and MoE, DeepSeek V2/V3/R1 (MLA, shared experts, leading
dense layers), gpt-oss (alternating sliding window), Gemma 2/3 (head_dim ≠ hidden ÷ heads,
local:global layer patterns, ``text_config``), Phi-3/Phi-4 (``phi3``). Another ``model_type``
is read as a Llama-shaped decoder, with a note saying so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import SizingInputError
from .arch import MLP_MATRICES_GATED, ModelArch

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 40
MAX_CONTEXT = 1 << 24
FAMILIES = {
    "llama": "Llama",
    "llama4": "Llama 4",
    "llama4_text": "Llama 4",
    "mistral": "Mistral",
    "mixtral": "Mixtral",
    "qwen2": "Qwen 2",
    "qwen2_moe": "Qwen 2 MoE",
    "qwen3": "Qwen 3",
    "qwen3_moe": "Qwen 3 MoE",
    "deepseek_v2": "DeepSeek V2",
    "deepseek_v3": "DeepSeek V3",
    "gpt_oss": "gpt-oss",
    "gemma2": "Gemma 2",
    "gemma3": "Gemma 3",
    "gemma3_text": "Gemma 3",
    "phi3": "Phi-3",
}
# transformers' default of tie_word_embeddings for each configuration class
TIED_BY_DEFAULT = {"gemma2", "gemma3", "gemma3_text"}
LIMITS = {
    "num_hidden_layers": 1000,
    "hidden_size": 131072,
    "num_attention_heads": 4096,
    "num_key_value_heads": 4096,
    "head_dim": 4096,
    "intermediate_size": 1048576,
    "vocab_size": 4_000_000,
    "max_position_embeddings": MAX_CONTEXT,
}


@dataclass(frozen=True)
class ImportedModel:
    """A model read from a config.json."""

    name: str
    family: str
    model_type: str
    arch: ModelArch

    def custom_model(self) -> dict[str, Any]:
        """The workload's ``custom_model`` object for this architecture."""
        a = self.arch
        out: dict[str, Any] = {
            "name": self.name,
            "layers": a.layers,
            "hidden_size": a.hidden_size,
            "heads": a.heads,
            "kv_heads": a.kv_heads,
            "ffn_size": a.ffn_size,
            "vocab_size": a.vocab_size,
            "context_length": a.context_length,
            "params_b": round(a.total_params() / 1e9, 3),
            "active_params_b": round(a.active_params() / 1e9, 3),
            "experts": a.experts,
            "experts_per_token": a.experts_per_token,
            "head_dim": a.head_dim,
        }
        optional = {
            "kv_lora_rank": a.kv_lora_rank,
            "q_lora_rank": a.q_lora_rank,
            "qk_rope_head_dim": a.qk_rope_head_dim,
            "qk_nope_head_dim": a.qk_nope_head_dim,
            "v_head_dim": a.v_head_dim,
            "shared_experts": a.shared_experts,
            "moe_ffn_size": a.moe_ffn_size,
            "shared_ffn_size": a.shared_ffn_size,
            "dense_layers": a.dense_layers,
            "moe_layer_step": a.moe_layer_step if a.moe_layer_step > 1 else 0,
            "sliding_window": a.sliding_window,
            "window_layers": a.window_layers,
        }
        out.update({k: v for k, v in optional.items() if v})
        if a.tied_embeddings:
            out["embeddings"] = "tied"
        if a.vision_params:
            out["vision_params_b"] = round(a.vision_params / 1e9, 4)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data: name, family, the architecture, the parameter counts and the workload's
        ``custom_model`` object."""
        return {
            "name": self.name,
            "family": self.family,
            "model_type": self.model_type,
            "architecture": self.arch.to_dict(),
            "params_b": round(self.arch.total_params() / 1e9, 3),
            "active_params_b": round(self.arch.active_params() / 1e9, 3),
            "custom_model": self.custom_model(),
        }


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise ValueError(f"a number with {len(text)} digits")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_DIGITS + 10:
        raise ValueError(f"a number of {len(text)} characters")
    return float(text)


def _depth(value: Any, limit: int) -> int:
    """Nesting depth, iteratively (no recursion for hostile input)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def parse_config_text(text: str | bytes) -> dict[str, Any]:
    """The JSON object of a config.json, or SizingInputError on the ``config`` field."""
    if isinstance(text, bytes):
        if len(text) > MAX_CONFIG_BYTES:
            raise SizingInputError.single("config", "is over 1 MB; a config.json is a few KB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise SizingInputError.single("config", "is not UTF-8 text") from None
    if len(text) > MAX_CONFIG_BYTES:
        raise SizingInputError.single("config", "is over 1 MB; a config.json is a few KB")
    # A cheap pre-check keeps the decoder's recursion bounded for deeply nested input.
    if max_bracket_depth(text) > MAX_DEPTH:
        raise SizingInputError.single(
            "config", f"is nested more than {MAX_DEPTH} levels deep; a config.json is flat"
        )
    try:
        data = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_bounded_float,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as exc:
        raise SizingInputError.single("config", f"is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise SizingInputError.single("config", "must be a JSON object (a model configuration)")
    return data


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def max_bracket_depth(text: str) -> int:
    """Deepest nesting of [ and { outside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def import_config_text(text: str | bytes) -> ImportedModel:
    """Parse and read a config.json (see the module docstring)."""
    return import_config(parse_config_text(text))


class _Reader:
    """Typed reads of one config object, collecting field errors with their paths."""

    def __init__(self, data: Mapping[str, Any], prefix: str, errs: _Errors) -> None:
        self.data, self.prefix, self.errs = data, prefix, errs

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def num(
        self, *keys: str, default: int | None = None, low: int = 1, high: int | None = None
    ) -> int | None:
        """First present key of ``keys`` as a whole number in [low, high]."""
        for key in keys:
            value = self.data.get(key)
            if value is None:
                continue
            limit = high if high is not None else LIMITS.get(key, 10_000_000)
            if isinstance(value, float) and value.is_integer() and math.isfinite(value):
                value = int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                self.errs.add(self.path(key), f"must be a whole number, got {_show(value)}")
                return default
            if value < low or value > limit:
                self.errs.add(self.path(key), f"must be between {low} and {limit:,}, got {value:,}")
                return default
            return value
        return default

    def required(self, *keys: str, low: int = 1) -> int:
        value = self.num(*keys, low=low)
        if value is None:
            if not any(self.path(k) in self.errs.errors for k in keys):
                self.errs.add(
                    self.path(keys[0]),
                    "is required (a whole number)"
                    + (f"; also read as {', '.join(keys[1:])}" if len(keys) > 1 else ""),
                )
            return 0
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.errs.add(self.path(key), f"must be true or false, got {_show(value)}")
            return default
        return value

    def text(self, key: str) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errs.add(self.path(key), f"must be a string, got {_show(value)}")
            return ""
        return value[:100]

    def strings(self, key: str) -> list[str] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errs.add(self.path(key), "must be a list of strings")
            return None
        return list(value)

    def ints(self, key: str) -> list[int] | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            self.errs.add(self.path(key), "must be a list of whole numbers")
            return None
        return list(value)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _text_part(data: Mapping[str, Any], errs: _Errors) -> tuple[Mapping[str, Any], str]:
    """The language model's config: ``text_config`` when the layers live there."""
    nested = data.get("text_config")
    if nested is None:
        return data, ""
    if not isinstance(nested, dict):
        errs.add("config.text_config", "must be an object (the language model's configuration)")
        return data, ""
    if data.get("num_hidden_layers") is not None and nested.get("num_hidden_layers") is None:
        return data, ""
    return nested, "text_config."


def import_config(data: Mapping[str, Any]) -> ImportedModel:
    """Read a parsed config.json object into an ImportedModel (SizingInputError on fields)."""
    errs = _Errors()
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise SizingInputError.single("config", f"is nested more than {MAX_DEPTH} levels deep")
    text, prefix = _text_part(data, errs)
    r = _Reader(text, "config." + prefix, errs)
    outer = _Reader(data, "config.", errs)
    model_type = (r.text("model_type") or outer.text("model_type")).lower()
    notes: list[str] = []
    if model_type not in FAMILIES:
        notes.append(
            f"model_type {model_type or '(none)'!r} is not one of the families this importer "
            f"knows ({', '.join(sorted(set(FAMILIES)))}); read as a Llama-shaped decoder"
        )
    arch = _read_arch(r, model_type, notes)
    vision = _vision_params(data.get("vision_config"), arch.hidden_size if arch else 0)
    if errs.errors or arch is None:
        raise SizingInputError(errs.errors or {"config": ["is not a language model's config"]})
    arch = ModelArch(**{**_fields(arch), "vision_params": vision, "notes": tuple(notes)})
    _check(arch, r, errs)
    if errs.errors:
        raise SizingInputError(errs.errors)
    name = outer.text("_name_or_path") or _first(data.get("architectures")) or model_type
    return ImportedModel(
        name or "Imported model", FAMILIES.get(model_type, "custom"), model_type, arch
    )


def _first(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0][:100]
    return ""


def _fields(arch: ModelArch) -> dict[str, Any]:
    return {f: getattr(arch, f) for f in arch.__dataclass_fields__}


def _read_arch(r: _Reader, model_type: str, notes: list[str]) -> ModelArch | None:
    layers = r.required("num_hidden_layers", "n_layer", "num_layers")
    hidden = r.required("hidden_size", "n_embd", "d_model")
    heads = r.required("num_attention_heads", "n_head")
    vocab = r.required("vocab_size")
    if not (layers and hidden and heads and vocab):
        return None
    kv_heads = r.num("num_key_value_heads", "num_kv_heads", default=heads) or heads
    mla = _mla(r)
    default_head = mla.get("v_head_dim") or hidden // heads
    head_dim = r.num("head_dim", default=default_head) or max(hidden // heads, 1)
    context = r.num("max_position_embeddings", "n_positions", "seq_length", default=4096) or 4096
    tied = r.flag("tie_word_embeddings", model_type in TIED_BY_DEFAULT)
    moe = _moe(r, model_type, layers)
    window, window_layers = _windows(r, model_type, layers, notes)
    ffn = moe.pop("dense_ffn", 0) or r.num("intermediate_size", "ffn_dim", "n_inner") or 4 * hidden
    if model_type == "deepseek_v3" and r.num("num_nextn_predict_layers", low=0):
        notes.append("the multi-token-prediction layer is not counted (loaded only for MTP)")
    return ModelArch(
        layers=layers,
        hidden_size=hidden,
        heads=heads,
        kv_heads=kv_heads,
        head_dim=head_dim,
        ffn_size=ffn,
        vocab_size=vocab,
        context_length=context,
        mlp_matrices=MLP_MATRICES_GATED,
        attention_bias=model_type == "qwen2" or r.flag("attention_bias", False),
        tied_embeddings=tied,
        sliding_window=window,
        window_layers=window_layers,
        **mla,
        **moe,
    )


def _mla(r: _Reader) -> dict[str, Any]:
    rank = r.num("kv_lora_rank", default=0, low=0, high=65536) or 0
    if not rank:
        return {}
    rope = r.num("qk_rope_head_dim", default=0, low=0, high=4096) or 0
    nope = r.num("qk_nope_head_dim", default=0, low=0, high=4096) or 0
    if not (rope and nope):
        r.errs.add(
            r.path("qk_rope_head_dim"),
            "multi-head latent attention (kv_lora_rank) needs qk_rope_head_dim and "
            "qk_nope_head_dim (whole numbers)",
        )
    return {
        "kv_lora_rank": rank,
        "q_lora_rank": r.num("q_lora_rank", default=0, low=0, high=65536) or 0,
        "qk_rope_head_dim": rope,
        "qk_nope_head_dim": nope,
        "v_head_dim": r.num("v_head_dim", default=nope, low=1, high=4096) or nope,
    }


def _moe(r: _Reader, model_type: str, layers: int) -> dict[str, Any]:
    experts = (
        r.num("n_routed_experts", "num_local_experts", "num_experts", default=1, high=65536) or 1
    )
    if experts <= 1:
        return {}
    per_token = r.num("num_experts_per_tok", "experts_per_token", default=1, high=65536) or 1
    if per_token > experts:
        r.errs.add(
            r.path("num_experts_per_tok"),
            f"must not exceed the number of routed experts ({experts}), got {per_token}",
        )
    out: dict[str, Any] = {"experts": experts, "experts_per_token": per_token}
    moe_ffn = r.num("moe_intermediate_size", default=0, low=0) or 0
    if model_type.startswith("llama4"):
        # intermediate_size is the expert's; intermediate_size_mlp the dense layers'
        out["moe_ffn_size"] = r.num("intermediate_size") or 0
        out["dense_ffn"] = r.num("intermediate_size_mlp", default=0, low=0) or 0
        out["shared_experts"] = 1
        out["moe_layer_step"] = r.num("interleave_moe_layer_step", default=1) or 1
    elif moe_ffn:
        out["moe_ffn_size"] = moe_ffn
    shared = r.num("n_shared_experts", default=0, low=0, high=1024) or 0
    if shared:
        out["shared_experts"] = shared
    shared_ffn = r.num("shared_expert_intermediate_size", default=0, low=0) or 0
    if shared_ffn:  # Qwen 2 MoE: one shared expert of its own size
        out["shared_experts"], out["shared_ffn_size"] = 1, shared_ffn
    first_dense = r.num("first_k_dense_replace", default=0, low=0, high=layers) or 0
    mlp_only = r.ints("mlp_only_layers") or []
    if first_dense or mlp_only:
        out["dense_layers"] = first_dense or len(mlp_only)
    step = r.num("moe_layer_freq", "decoder_sparse_step", default=0, low=0, high=layers) or 0
    if step > 1:
        out["moe_layer_step"] = step
    return out


def _windows(r: _Reader, model_type: str, layers: int, notes: list[str]) -> tuple[int, int]:
    """(window, windowed layers) from layer_types, a model's pattern, or a global window."""
    window = r.num("sliding_window", default=0, low=0, high=MAX_CONTEXT) or 0
    types = r.strings("layer_types")
    if model_type.startswith("llama4"):
        chunk = r.num("attention_chunk_size", default=0, low=0, high=MAX_CONTEXT) or 0
        interval = r.num("no_rope_layer_interval", default=4) or 4
        if chunk:
            notes.append(f"chunked local attention ({chunk:,} tokens) read as a window")
            return chunk, layers - layers // interval
        return 0, 0
    if types is not None:
        if len(types) != layers:
            r.errs.add(r.path("layer_types"), f"must list {layers} layers, got {len(types)}")
            return 0, 0
        local = sum(1 for t in types if t in ("sliding_attention", "chunked_attention"))
        return (window, local) if window and local else (0, 0)
    if not window:
        return 0, 0
    if model_type == "gemma2":
        return window, (layers + 1) // 2  # even layers slide, odd are global
    if model_type.startswith("gemma3"):
        pattern = r.num("sliding_window_pattern", default=6) or 6
        return window, layers - layers // pattern
    if model_type in ("qwen2", "qwen3", "qwen2_moe", "qwen3_moe"):
        if not r.flag("use_sliding_window", False):
            return 0, 0
        first = r.num("max_window_layers", default=layers, low=0, high=layers) or 0
        return window, max(layers - first, 0)
    context = r.num("max_position_embeddings", default=0) or 0
    if context and window >= context:
        return 0, 0
    return window, layers


def _vision_params(vision: Any, text_hidden: int) -> float:
    """A ViT tower's weights: layers × (4h² + 2h·ffn) plus the projector to the text model."""
    if not isinstance(vision, dict):
        return 0.0
    numbers = {}
    for key in ("num_hidden_layers", "depth", "hidden_size", "intermediate_size"):
        value = vision.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000:
            numbers[key] = value
    layers = numbers.get("num_hidden_layers") or numbers.get("depth") or 0
    h = numbers.get("hidden_size", 0)
    ffn = numbers.get("intermediate_size", 4 * h)
    if not (layers and h):
        return 0.0
    return float(layers * (4 * h * h + 2 * h * ffn) + h * text_hidden)


def _check(arch: ModelArch, r: _Reader, errs: _Errors) -> None:
    if not arch.is_mla and (arch.kv_heads > arch.heads or arch.heads % arch.kv_heads):
        errs.add(
            r.path("num_key_value_heads"),
            f"must divide num_attention_heads ({arch.heads}), got {arch.kv_heads}",
        )
    if arch.is_moe and arch.dense_layers >= arch.layers:
        errs.add(r.path("first_k_dense_replace"), "leaves no mixture-of-experts layer")
