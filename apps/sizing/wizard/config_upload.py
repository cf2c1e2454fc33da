"""Custom models in the wizard: the parameter estimate from a model's shape, a library
model's shape as a starting point, and the Hugging Face config.json upload.

The rules live in the engine (engine/models/: the estimate from a shape and the ONE
config.json parser); this module only maps them onto the wizard's fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from django import forms

from apps.core import hygiene
from apps.sizing.engine import SizingInputError, spec
from apps.sizing.engine.catalog import CatalogSnapshot
from apps.sizing.engine.models import ImportedModel, import_config_text
from apps.sizing.engine.models.hf_config import MAX_CONFIG_BYTES

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


class HfConfigForm(forms.Form):
    """A Hugging Face `config.json`, read by the engine's one config.json parser
    (engine/models/hf_config.py, also behind the API import endpoint and `manage.py size
    --config`) and turned into the wizard's custom-model fields."""

    config = forms.FileField(
        label="Hugging Face config.json",
        help_text="The model's config.json from its Hugging Face page (Files tab).",
    )

    def clean_config(self) -> dict[str, str]:
        upload = self.cleaned_data["config"]
        if upload.size > MAX_CONFIG_BYTES:
            raise forms.ValidationError("That file is too big for a config.json (over 1 MB).")
        raw = upload.read()
        try:  # text the portal can store and show (apps.core.hygiene), then the parser
            hygiene.clean_value(json.loads(raw))
        except hygiene.InputRejected as exc:
            raise forms.ValidationError(f"{exc.field or 'That file'} {exc.message}.") from None
        except (ValueError, RecursionError):
            pass  # not JSON, too deep, huge numbers: the parser says which
        try:
            imported = import_config_text(raw)
        except SizingInputError as exc:
            raise forms.ValidationError(config_messages(exc.field_errors)) from None
        self.notes = list(imported.arch.notes)
        return custom_fields(imported)


def config_messages(field_errors: Mapping[str, list[str]]) -> list[str]:
    """The parser's field errors as sentences naming the config.json key."""
    out = []
    for path, messages in field_errors.items():
        key = path.removeprefix("config").removeprefix(".")
        for message in messages:
            out.append(f"That file {message}." if not key else f"{key} {message}.")
    return out


def custom_fields(imported: ImportedModel) -> dict[str, str]:
    """Wizard query values (the spec's short names) of an imported model's custom_model."""
    values: dict[str, str] = {}
    for key, value in imported.custom_model().items():
        spec_input = spec.BY_PATH.get(f"custom_model.{key}")
        if spec_input is not None and value not in (None, ""):
            values[spec_input.short] = f"{value:g}" if isinstance(value, float) else str(value)
    return values


def custom_keys() -> list[str]:
    """Every wizard name of a custom-model input (cleared before an upload fills them)."""
    return [i.short for i in spec.section_inputs("custom_model")]
