"""Custom models in the wizard: the parameter estimate from a model's shape, a library
model's shape as a starting point, and the Hugging Face config.json upload.

Isolated here because these rules belong in the engine (issue 12 moves the estimate and the
config.json parser into engine/models/; this module then only calls them).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms

from apps.sizing.engine.catalog import CatalogSnapshot

from .codec import DEFAULT_MODEL


def custom_start(catalog: CatalogSnapshot, slug: str) -> dict[str, str]:
    """Custom-model fields filled with a library model's shape, as a starting point."""
    model = catalog.models.get(slug) or catalog.models.get(DEFAULT_MODEL)
    if model is None:
        return {}
    return {
        "custom_name": f"{model.name} (custom)",
        "custom_layers": str(model.layers),
        "custom_hidden_size": str(model.hidden_size),
        "custom_heads": str(model.heads),
        "custom_kv_heads": str(model.kv_heads),
        "custom_ffn_size": str(model.ffn_size),
        "custom_vocab_size": str(model.vocab_size),
        "custom_context_length": str(model.context_length),
        "custom_params_b": f"{model.params_b:g}",
        "custom_active_params_b": f"{model.active_params_b:g}",
        "custom_experts": str(model.experts),
        "custom_experts_per_token": str(model.experts_per_token),
    }


def estimate_params(model: Mapping[str, Any]) -> tuple[float, float] | None:
    """(total, active) parameters in billions of a decoder-only transformer with a gated
    (SwiGLU) MLP and untied embeddings — the Llama family's shape; None if a size is missing."""
    try:
        layers, hidden = int(model["layers"]), int(model["hidden_size"])
        heads, kv_heads = int(model["heads"]), int(model["kv_heads"])
        ffn, vocab = int(model["ffn_size"]), int(model["vocab_size"])
    except (KeyError, TypeError, ValueError):
        return None
    if min(layers, hidden, heads, kv_heads, ffn, vocab) <= 0:
        return None
    experts = int(model.get("experts") or 1)
    per_token = int(model.get("experts_per_token") or 1)
    kv_dim = kv_heads * hidden / heads
    attention = hidden * (2 * hidden + 2 * kv_dim)
    mlp = 3 * hidden * ffn
    router = hidden * experts if experts > 1 else 0
    embeddings = 2 * vocab * hidden
    total = layers * (attention + mlp * experts + router) + embeddings
    active = layers * (attention + mlp * min(per_token, experts) + router) + embeddings
    return round(total / 1e9, 3), round(active / 1e9, 3)


HF_KEYS = {
    "custom_layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "custom_hidden_size": ("hidden_size", "n_embd", "d_model"),
    "custom_heads": ("num_attention_heads", "n_head"),
    "custom_kv_heads": ("num_key_value_heads", "num_kv_heads"),
    "custom_ffn_size": ("intermediate_size", "ffn_dim", "n_inner"),
    "custom_vocab_size": ("vocab_size",),
    "custom_context_length": ("max_position_embeddings", "n_positions", "seq_length"),
    "custom_experts": ("num_local_experts", "num_experts"),
    "custom_experts_per_token": ("num_experts_per_tok",),
}
MAX_CONFIG_BYTES = 1_000_000


class HfConfigForm(forms.Form):
    """A Hugging Face `config.json`, turned into the wizard's custom-model fields."""

    config = forms.FileField(
        label="Hugging Face config.json",
        help_text="The model's config.json from its Hugging Face page (Files tab).",
    )

    def clean_config(self) -> dict[str, str]:
        upload = self.cleaned_data["config"]
        if upload.size > MAX_CONFIG_BYTES:
            raise forms.ValidationError("That file is too big for a config.json (over 1 MB).")
        try:
            config = json.loads(upload.read().decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise forms.ValidationError(
                "That file is not JSON. Upload the model's config.json."
            ) from None
        if not isinstance(config, dict):
            raise forms.ValidationError("That JSON is not a model configuration (an object).")
        config = config.get("text_config", config) if "num_hidden_layers" not in config else config
        return custom_fields_from_hf(config)


def custom_fields_from_hf(config: Mapping[str, Any]) -> dict[str, str]:
    """Wizard query values for a Hugging Face config; ValidationError naming what is missing."""
    values: dict[str, str] = {}
    for field, keys in HF_KEYS.items():
        for key in keys:
            value = config.get(key)
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                values[field] = str(value)
                break
    if "custom_kv_heads" not in values and "custom_heads" in values:
        values["custom_kv_heads"] = values["custom_heads"]  # no GQA: one KV head per head
    if "custom_ffn_size" not in values and "custom_hidden_size" in values:
        values["custom_ffn_size"] = str(4 * int(values["custom_hidden_size"]))
    required = ("custom_layers", "custom_hidden_size", "custom_heads", "custom_vocab_size")
    missing = [HF_KEYS[f][0] for f in required if f not in values]
    if missing:
        raise forms.ValidationError(
            "This config.json lacks " + ", ".join(missing) + "; is it a language model's?"
        )
    name = config.get("_name_or_path") or config.get("model_type") or "Uploaded model"
    values["custom_name"] = str(name)[:100]
    shape = {k.removeprefix("custom_"): v for k, v in values.items()}
    estimate = estimate_params({**shape, "heads": shape["heads"], "kv_heads": shape["kv_heads"]})
    if estimate:
        values["custom_params_b"] = f"{estimate[0]:g}"
        if estimate[1] != estimate[0]:
            values["custom_active_params_b"] = f"{estimate[1]:g}"
    return values
