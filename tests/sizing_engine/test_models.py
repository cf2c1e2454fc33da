"""Model architectures: parameter counts from real published configs, the config.json import
(one parser for wizard, API and CLI) and its field errors on bad or hostile input."""

from __future__ import annotations

import json

import pytest

from apps.sizing.engine import SizingInputError
from apps.sizing.engine.models import estimate_params, import_config, import_config_text

from .helpers import CATALOG, ROOT

CONFIGS = ROOT / "fixtures" / "model_configs"

# slug: (published total, published active, active counts the input embedding, source)
PUBLISHED: dict[str, tuple[float, float | None, bool, str]] = {
    "llama-2-7b": (6.74, None, True, "Llama 2 paper"),
    "llama-2-70b": (68.98, None, True, "Llama 2 paper / HF safetensors"),
    "llama-3.1-8b": (8.03, None, True, "Llama 3.1 model card"),
    "llama-3.1-405b": (405.85, None, True, "Llama 3.1 model card"),
    "llama-3.3-70b": (70.55, None, True, "Llama 3.3 model card"),
    "llama-4-scout": (109, 17, True, "Llama 4 model card"),
    "llama-4-maverick": (400, 17, True, "Llama 4 model card"),
    "mistral-7b": (7.24, None, True, "Mistral 7B paper"),
    "mixtral-8x7b": (46.7, 12.9, True, "Mixtral paper / Mistral AI"),
    "mixtral-8x22b": (141, 39, True, "Mistral AI Mixtral 8x22B"),
    "qwen2.5-7b": (7.61, None, True, "Qwen2.5 model card"),
    "qwen2.5-72b": (72.7, None, True, "Qwen2.5 model card"),
    "qwen2-57b-a14b": (57.4, 14, True, "Qwen2 model card (57B-A14B)"),
    "qwen3-32b": (32.8, None, True, "Qwen3 model card"),
    "qwen3-30b-a3b": (30.5, 3.3, True, "Qwen3 model card"),
    "qwen3-235b-a22b": (235, 22, True, "Qwen3 model card"),
    "deepseek-v2-lite": (15.7, 2.4, False, "DeepSeek-V2-Lite model card"),
    "deepseek-v2": (236, 21, False, "DeepSeek-V2 paper"),
    "deepseek-v3": (671, 37, False, "DeepSeek-V3 technical report"),
    "deepseek-r1": (671, 37, False, "DeepSeek-R1 model card"),
    "gpt-oss-120b": (116.83, 5.13, False, "OpenAI gpt-oss model card, Table 1"),
    "gpt-oss-20b": (20.91, 3.61, False, "OpenAI gpt-oss model card, Table 1"),
    "gemma-2-9b": (9.24, None, True, "Gemma 2 report"),
    "gemma-2-27b": (27.2, None, True, "Gemma 2 report"),
    "gemma-3-27b": (
        27.4,
        27.0,
        True,
        "Gemma 3 report Table 1: 25.6B + 1.4B embedding + 0.4B vision",
    ),
    "phi-3-mini-4k": (3.8, None, True, "Phi-3 report"),
    "phi-4": (14.7, None, True, "Phi-4 report"),
}


def _close(estimate: float, published: float) -> bool:
    """Within 1 % of the published figure, which is itself rounded to its digits: the
    allowance is 1 % plus half a unit of the figure's last digit."""
    text = f"{published:g}"
    digits = len(text.split(".")[1]) if "." in text else 0
    return abs(estimate - published) <= 0.01 * published + 0.5 * 10**-digits


@pytest.mark.parametrize("slug", sorted(PUBLISHED))
def test_parameter_counts_match_the_published_ones(slug: str) -> None:
    total, active, with_embedding, _ = PUBLISHED[slug]
    arch = import_config_text((CONFIGS / slug / "config.json").read_bytes()).arch
    assert _close(arch.total_params() / 1e9, total), arch.total_params() / 1e9
    expected_active = active if active is not None else total
    counted = arch.active_params(include_input_embedding=with_embedding) / 1e9
    assert _close(counted, expected_active), counted


def test_every_family_of_the_issue_has_a_real_config() -> None:
    families = {
        import_config_text((d / "config.json").read_text()).family
        for d in CONFIGS.iterdir()
        if d.is_dir()
    }
    for family in (
        "Llama",
        "Llama 4",
        "Mistral",
        "Mixtral",
        "Qwen 2",
        "Qwen 2 MoE",
        "Qwen 3",
        "Qwen 3 MoE",
        "DeepSeek V2",
        "DeepSeek V3",
        "gpt-oss",
        "Gemma 2",
        "Gemma 3",
        "Phi-3",
    ):
        assert family in families


def test_catalog_rows_with_a_config_match_it() -> None:
    for model in CATALOG.models.values():
        if model.arch is None or not model.source:
            continue
        path = CONFIGS / model.slug / "config.json"
        if not path.exists():
            continue
        arch = import_config_text(path.read_text()).arch
        assert model.architecture.kv_elements(1) == arch.kv_elements(1), model.slug
        assert model.architecture.head_dim == arch.head_dim, model.slug
        assert (
            abs(model.architecture.total_params() / 1e9 - model.params_b) <= 0.012 * model.params_b
        ), model.slug


def test_attention_variants_give_the_real_kv_cache() -> None:
    qwen3 = CATALOG.models["qwen3-235b-a22b"].architecture
    assert qwen3.head_dim == 128  # not 4096 / 64 = 64
    assert qwen3.kv_elements(1) == 2 * 94 * 4 * 128
    v3 = CATALOG.models["deepseek-v3"].architecture
    assert v3.kv_elements(1) == 61 * (512 + 64)  # MLA latent + rope key, not K and V per head
    gemma = CATALOG.models["gemma-3-27b"].architecture
    # 52 of 62 layers keep a 1,024-token window: at 32K tokens the cache is ~5x smaller
    assert gemma.kv_elements(32768) < 0.2 * 62 * 2 * 16 * 128 * 32768


def test_flagship_models_are_in_the_library() -> None:
    for slug in (
        "llama-3.1-405b",
        "llama-3.3-70b",
        "llama-4-scout",
        "llama-4-maverick",
        "deepseek-v3",
        "deepseek-r1",
        "qwen3-235b-a22b",
        "qwen3-32b",
        "mixtral-8x22b",
        "gpt-oss-120b",
        "gpt-oss-20b",
        "gemma-3-27b",
        "phi-4",
    ):
        assert slug in CATALOG.models


def test_estimate_from_the_shape_matches_the_published_dense_count() -> None:
    shape = {
        "layers": 80,
        "hidden_size": 8192,
        "heads": 64,
        "kv_heads": 8,
        "ffn_size": 28672,
        "vocab_size": 32000,
    }
    total, active = estimate_params(shape) or (0, 0)
    assert abs(total - 68.98) < 0.1 and total == active
    assert estimate_params({"layers": 0}) is None


def _errors(text: str | bytes) -> dict[str, list[str]]:
    with pytest.raises(SizingInputError) as info:
        import_config_text(text)
    return info.value.field_errors


@pytest.mark.parametrize(
    "text, field",
    [
        ("[" * 5000 + "]" * 5000, "config"),
        ('{"a":' * 3000 + "1" + "}" * 3000, "config"),
        ('{"num_hidden_layers": ' + "9" * 5000 + "}", "config"),
        ('{"text_config": "llama", "num_attention_heads": 8}', "config.text_config"),
        ("not json", "config"),
        ('"a string"', "config"),
        (b"\xff\xfe", "config"),
        ('{"num_hidden_layers": NaN}', "config"),
        (
            '{"model_type": "llama", "num_hidden_layers": true, "hidden_size": 8, '
            '"num_attention_heads": 2, "vocab_size": 10}',
            "config.num_hidden_layers",
        ),
        (
            '{"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 8, '
            '"num_attention_heads": 3, "num_key_value_heads": 2, "vocab_size": 10}',
            "config.num_key_value_heads",
        ),
        (
            '{"model_type": "mixtral", "num_hidden_layers": 2, "hidden_size": 8, '
            '"num_attention_heads": 2, "vocab_size": 10, "num_local_experts": 4, '
            '"num_experts_per_tok": 9}',
            "config.num_experts_per_tok",
        ),
        ('{"model_type": "llama", "hidden_size": 8}', "config.num_hidden_layers"),
    ],
)
def test_bad_configs_get_field_errors(text: str | bytes, field: str) -> None:
    errors = _errors(text)
    assert field in errors, errors
    assert all(messages for messages in errors.values())


def test_nested_text_config_is_read() -> None:
    data = json.loads((CONFIGS / "llama-4-scout" / "config.json").read_text())
    imported = import_config(data)
    assert imported.arch.experts == 16 and imported.arch.context_length == 10_485_760
    assert imported.custom_model()["experts_per_token"] == 1


def test_every_config_names_its_source_in_the_readme() -> None:
    readme = (CONFIGS / "README.md").read_text()
    rows = {
        line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| ")
    }
    for d in sorted(p for p in CONFIGS.iterdir() if p.is_dir()):
        assert d.name in rows, f"{d.name} has no row in fixtures/model_configs/README.md"
        repo_id = json.loads((d / "config.json").read_text()).get("_name_or_path")
        assert repo_id and repo_id in rows[d.name], d.name
