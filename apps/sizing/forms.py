"""Forms of the sizing wizard: they translate the query string to the engine's input dict and
the engine's field errors back to messages beside the fields. No sizing rules live here.

The wizard is a GET form: its state is the URL's query string, so the back button, a reload
and a shared link all show the same sizing. Missing parameters take sensible defaults (which
depend on the workload kind), so `/sizing/` alone already shows a result.

Number inputs are `type="text"` with an `inputmode` (the GOV.UK pattern): browsers neither
block letters silently nor validate before htmx sends, so every message comes from this form
(letters in numbers) or from the engine (zero users, a model that fits nowhere).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.http import QueryDict
from django.urls import reverse

from apps.sizing.engine import Assumptions
from apps.sizing.engine.catalog import CatalogSnapshot

from .choices import (
    ASSUMPTION_LABELS,
    AUTO_GPU,
    DEFAULT_MODEL,
    HARDWARE_PRECISIONS,
    TRAINING_DEFAULTS,
    TRAINING_KINDS,
    TRAINING_PRECISIONS,
    Deployment,
    Fabric,
    Kind,
    ModelSource,
    Precision,
    Redundancy,
)

ASSUMPTION_DEFAULTS: dict[str, float | int] = Assumptions().to_dict()
ASSUMPTION_PREFIX = "a_"
WHATIF_FIELDS = ("wi_nodes", "wi_precision", "wi_headroom")
CUSTOM_FIELDS = (
    "custom_name",
    "custom_layers",
    "custom_hidden_size",
    "custom_heads",
    "custom_kv_heads",
    "custom_ffn_size",
    "custom_vocab_size",
    "custom_context_length",
    "custom_params_b",
    "custom_experts",
    "custom_experts_per_token",
)
TRAINING_FIELDS = ("tokens_b", "target_days", "sequence_length")
INFERENCE_FIELDS = ("users", "prompt_tokens", "output_tokens", "tokens_per_s", "ttft_s")
WHERE_FIELDS = ("gpu", "precision", "fabric", "deployment", "redundancy", "headroom", "nodes")
# Fields whose change re-renders the form itself (they decide which other fields exist).
CONTROLLER_FIELDS = ("kind", "model_source", "gpu")

DEFAULTS: dict[str, str] = {
    "kind": Kind.INFERENCE,
    "model_source": ModelSource.LIBRARY,
    "model": DEFAULT_MODEL,
    "users": "2000",
    "prompt_tokens": "1024",
    "output_tokens": "256",
    "tokens_per_s": "10",
    "ttft_s": "2",
    "gpu": AUTO_GPU,
    "precision": Precision.BF16,
    "fabric": Fabric.AUTO,
    "deployment": Deployment.BARE_METAL,
    "redundancy": Redundancy.N0,
    "headroom": "0",
    # Assumption inputs show the value in force; only values unlike these are overrides.
    **{ASSUMPTION_PREFIX + name: f"{value:g}" for name, value in ASSUMPTION_DEFAULTS.items()},
}

# Engine field path -> form field.
ENGINE_FIELDS: dict[str, str] = {
    "kind": "kind",
    "precision": "precision",
    "gpu": "gpu",
    "nodes": "nodes",
    "fabric": "fabric",
    "deployment": "deployment",
    "redundancy": "redundancy",
    "growth_headroom_pct": "headroom",
    "training": "tokens_b",
    "training.tokens": "tokens_b",
    "training.target_days": "target_days",
    "training.sequence_length": "sequence_length",
    "inference": "users",
    "inference.concurrent_users": "users",
    "inference.prompt_tokens": "prompt_tokens",
    "inference.output_tokens": "output_tokens",
    "inference.target_tokens_per_s_per_user": "tokens_per_s",
    "inference.target_ttft_s": "ttft_s",
    "custom_model": "custom_params_b",
}
AUTO_PREFIX = re.compile(r"^[\w.+-]+/(infiniband|ethernet): ")

NUMBER_MESSAGES = {
    "invalid": "Enter a number, like 2000 (digits only, no letters).",
    "required": "Enter a number here.",
}


class _Friendly:
    """Number fields that accept what people type: `2,000`, `2 000`, `1_000`."""

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = re.sub(r"[\s,_]", "", value)
        return super().to_python(value)  # type: ignore[misc]


class NumberField(_Friendly, forms.FloatField):
    pass


class WholeNumberField(_Friendly, forms.IntegerField):
    default_error_messages = {"invalid": "Enter a whole number, like 2000 (no letters)."}


def _number(
    label: str,
    help_text: str,
    *,
    whole: bool = False,
    required: bool = True,
    unit: str = "",
    decimal: bool = True,
) -> forms.Field:
    cls = WholeNumberField if whole else NumberField
    field = cls(
        label=label,
        help_text=help_text,
        required=required,
        error_messages=dict(
            NUMBER_MESSAGES,
            **({"invalid": "Enter a whole number, like 2000 (no letters)."} if whole else {}),
        ),
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric" if whole or not decimal else "decimal",
                "autocomplete": "off",
                "size": 10,
            }
        ),
    )
    field.unit = unit  # type: ignore[attr-defined]
    return field


def _choice(
    label: str, choices: Iterable[tuple[str, str]], help_text: str = "", required: bool = True
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=list(choices), help_text=help_text, required=required
    )


class WizardForm(forms.Form):
    """All inputs of one sizing: what (kind, model), how much, where (hardware), plus the
    assumption overrides of the "why" panel and the what-if values of the result page."""

    kind = _choice("Workload", Kind.choices, "What the cluster will do.")
    model_source = forms.ChoiceField(
        label="Model", choices=ModelSource.choices, widget=forms.RadioSelect
    )
    model = _choice(
        "Library model",
        [],
        "Architecture facts come from the model's paper or Hugging Face card.",
        required=False,
    )
    q = forms.CharField(
        label="Search the library",
        required=False,
        max_length=60,
        help_text="Type part of a name or family, e.g. llama or 70b.",
    )
    custom_name = forms.CharField(
        label="Name",
        required=False,
        max_length=100,
        help_text="How the model is called in the result.",
    )
    custom_layers = _number(
        "Layers", "num_hidden_layers in config.json", whole=True, required=False
    )
    custom_hidden_size = _number("Hidden size", "hidden_size", whole=True, required=False)
    custom_heads = _number("Attention heads", "num_attention_heads", whole=True, required=False)
    custom_kv_heads = _number(
        "Key/value heads", "num_key_value_heads (= heads without GQA)", whole=True, required=False
    )
    custom_ffn_size = _number("Feed-forward size", "intermediate_size", whole=True, required=False)
    custom_vocab_size = _number("Vocabulary size", "vocab_size", whole=True, required=False)
    custom_context_length = _number(
        "Context length", "max_position_embeddings", whole=True, required=False, unit="tokens"
    )
    custom_params_b = _number(
        "Parameters", "Leave empty to estimate it from the shape.", required=False, unit="billions"
    )
    custom_experts = _number(
        "Experts", "num_local_experts; 1 for a dense model", whole=True, required=False
    )
    custom_experts_per_token = _number(
        "Experts per token", "num_experts_per_tok", whole=True, required=False
    )

    tokens_b = _number(
        "Training tokens",
        "Tokens to train on (all epochs), in billions; Llama 2 was pre-trained on 2,000 billion.",
        unit="billions",
    )
    target_days = _number("Deadline", "Wall-clock days the training may take.", unit="days")
    sequence_length = _number(
        "Sequence length",
        "Tokens per training sample; empty = the model's context length (up to 4,096).",
        whole=True,
        required=False,
        unit="tokens",
    )

    users = _number("Concurrent users", "People generating at the same time.", whole=True)
    prompt_tokens = _number(
        "Prompt length", "Tokens sent per request (question + context).", whole=True, unit="tokens"
    )
    output_tokens = _number(
        "Answer length", "Tokens generated per answer.", whole=True, unit="tokens"
    )
    tokens_per_s = _number(
        "Speed per user",
        "Generated tokens per second each user sees; people read about 5-10.",
        unit="tokens/s",
    )
    ttft_s = _number(
        "Time to first token", "Longest wait before the answer starts.", unit="seconds"
    )

    gpu = _choice(
        "GPU", [], "Auto compares every orderable GPU and fabric and picks the fewest GPUs."
    )
    precision = _choice("Precision", [], "Numeric format of the weights (and the maths).")
    fabric = _choice("Compute fabric", Fabric.choices, "Network between the GPU nodes.")
    deployment = _choice(
        "Deployment",
        Deployment.choices,
        "Bare metal or a virtualised platform (changes the node build).",
    )
    redundancy = _choice("Redundancy", Redundancy.choices, "Spare node for failures.")
    headroom = _number("Growth headroom", "Extra capacity for growth.", unit="%")
    nodes = _number(
        "Fixed node count",
        "Leave empty to size automatically; a number "
        "evaluates that cluster instead (capacity mode).",
        whole=True,
        required=False,
        unit="nodes",
    )

    wi_nodes = _number(
        "Nodes", "Try a different node count.", whole=True, required=False, unit="nodes"
    )
    wi_precision = _choice("Precision", [], "Try another precision.", required=False)
    wi_headroom = _number("Headroom", "Try another growth headroom.", required=False, unit="%")
    why = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        catalog: CatalogSnapshot,
        notices: dict[str, str] | None = None,
    ) -> None:
        super().__init__(data)
        self.catalog = catalog
        self.notices = notices or {}
        self._setup_assumptions()
        self._setup_choices()
        for name in self.hidden_names():
            del self.fields[name]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"help-{name} err-{name}")
        self._setup_htmx()

    def _setup_htmx(self) -> None:
        """Controllers re-render the whole wizard; the library search swaps the options.
        `consume` keeps their events from also re-sizing through the form's own trigger."""
        url = reverse("sizing:wizard")
        for name in CONTROLLER_FIELDS:
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": url,
                    "hx-include": "#wizard-form",
                    "hx-target": "#wizard",
                    "hx-swap": "outerHTML",
                    "hx-trigger": "change consume",
                    "hx-push-url": "true",
                    "hx-sync": "#wizard-form:replace",
                }
            )
        if "q" in self.fields:
            self.fields["q"].widget.attrs.update(
                {
                    "type": "search",
                    "hx-get": reverse("sizing:model_options"),
                    "hx-include": "#id_model",
                    "hx-target": "#id_model",
                    "hx-swap": "innerHTML",
                    "hx-trigger": "input changed delay:250ms consume, change consume",
                    "autocomplete": "off",
                }
            )

    @property
    def slots(self) -> list[tuple[str, Any]]:
        """(name, errors) of every field with an error slot on the page."""
        return [(name, self[name].errors) for name in self.slot_names]

    @property
    def carried_fields(self) -> list[forms.BoundField]:
        """Assumption, what-if and panel fields with a value, for when the result panel
        (where their inputs live) is not shown: hidden unless they carry an error."""
        names = [name for name, _ in self.hidden_state()]
        return [self[name] for name in names if name in self.fields]

    def raw(self, name: str) -> str:
        value = self.data.get(name)
        return "" if value is None else str(value)

    @property
    def params_estimate(self) -> tuple[float, float] | None:
        shape = {
            key: self.data.get(f"custom_{key}")
            for key in (
                "layers",
                "hidden_size",
                "heads",
                "kv_heads",
                "ffn_size",
                "vocab_size",
                "experts",
                "experts_per_token",
            )
        }
        return estimate_params(shape)

    # --- construction from the query string -------------------------------------------

    @classmethod
    def from_query(
        cls, query: QueryDict | Mapping[str, Any], *, catalog: CatalogSnapshot
    ) -> WizardForm:
        """The form for a query string: defaults for what is missing (by workload kind), and a
        precision the chosen GPU cannot run replaced by BF16 with a notice."""
        raw = {key: query.get(key) for key in query if key != "csrfmiddlewaretoken"}
        data = dict(DEFAULTS)
        kind = raw.get("kind") if raw.get("kind") in Kind.values else Kind.INFERENCE
        if kind in TRAINING_DEFAULTS:
            data["tokens_b"], data["target_days"] = TRAINING_DEFAULTS[kind]
        data.update({k: v for k, v in raw.items() if v is not None})
        if data.get("model_source") == ModelSource.CUSTOM and not any(
            raw.get(name) for name in CUSTOM_FIELDS
        ):
            data.update(_custom_start(catalog, str(data.get("model") or DEFAULT_MODEL)))
        notices: dict[str, str] = {}
        allowed = precisions_for(catalog, str(kind), str(data.get("gpu") or AUTO_GPU))
        if data.get("precision") not in allowed and data.get("precision") in Precision.values:
            gpu = catalog.gpus.get(str(data.get("gpu")))
            where = f"on {gpu.name}" if gpu else "for this workload"
            notices["precision"] = (
                f"{str(data['precision']).upper()} is not available {where}; switched to BF16."
            )
            data["precision"] = Precision.BF16
        return cls(data, catalog=catalog, notices=notices)

    def _setup_assumptions(self) -> None:
        for name, default in ASSUMPTION_DEFAULTS.items():
            whole = isinstance(default, int)
            field = _number(
                ASSUMPTION_LABELS.get(name, name),
                f"Default {default:g}",
                whole=whole,
                required=False,
            )
            field.widget.attrs["size"] = 7
            field.default = default  # type: ignore[attr-defined]
            self.fields[ASSUMPTION_PREFIX + name] = field

    def _setup_choices(self) -> None:
        self.fields["model"].choices = model_choices(
            self.catalog, str(self.data.get("q") or ""), str(self.data.get("model") or "")
        )
        self.fields["gpu"].choices = gpu_choices(self.catalog)
        kind, gpu = str(self.data.get("kind")), str(self.data.get("gpu") or AUTO_GPU)
        labels = dict(Precision.choices)
        allowed = [(p, labels[p]) for p in precisions_for(self.catalog, kind, gpu)]
        self.fields["precision"].choices = allowed
        self.fields["wi_precision"].choices = [("", "— as above —"), *allowed]

    # --- which fields exist ------------------------------------------------------------

    @property
    def kind_value(self) -> str:
        return str(self.data.get("kind") or Kind.INFERENCE)

    @property
    def is_training(self) -> bool:
        return self.kind_value in TRAINING_KINDS

    @property
    def is_custom(self) -> bool:
        return self.data.get("model_source") == ModelSource.CUSTOM

    def hidden_names(self) -> list[str]:
        """Fields that do not apply to this kind of workload or model source."""
        hidden = list(INFERENCE_FIELDS if self.is_training else TRAINING_FIELDS)
        hidden += ["model", "q"] if self.is_custom else list(CUSTOM_FIELDS)
        return hidden

    def section(self, names: Iterable[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    @property
    def what_fields(self) -> list[forms.BoundField]:
        return self.section(("model", "q") if not self.is_custom else CUSTOM_FIELDS)

    @property
    def how_fields(self) -> list[forms.BoundField]:
        return self.section(TRAINING_FIELDS if self.is_training else INFERENCE_FIELDS)

    @property
    def where_fields(self) -> list[forms.BoundField]:
        return self.section(WHERE_FIELDS)

    @property
    def whatif_fields(self) -> list[forms.BoundField]:
        return self.section(WHATIF_FIELDS)

    @property
    def slot_names(self) -> list[str]:
        """Names of the fields whose error slots the page shows (for htmx updates)."""
        rendered = (
            "kind",
            "model_source",
            *[f.name for f in self.what_fields],
            *[f.name for f in self.how_fields],
            *WHERE_FIELDS,
        )
        return [name for name in rendered if name in self.fields]

    # --- values ------------------------------------------------------------------------

    def assumption_rows(self, effective: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """One row per assumption: its input, default, effective value, and if overridden."""
        rows = []
        for name, default in ASSUMPTION_DEFAULTS.items():
            bound = self[ASSUMPTION_PREFIX + name]
            overridden = name in self.assumption_overrides()
            # The template writes these inputs itself: 29 widget renders through Django's
            # form renderer cost more than the engine run (see bench/bench_wizard.py).
            rows.append(
                {
                    "name": name,
                    "field": bound,
                    "default": default,
                    "input_name": bound.html_name,
                    "input_id": bound.auto_id,
                    "raw": self.raw(bound.name),
                    "whole": isinstance(default, int),
                    "value": (effective or {}).get(name, default),
                    "overridden": overridden,
                }
            )
        return rows

    def assumption_overrides(self) -> dict[str, float | int]:
        """Assumptions the user changed (values equal to the default are not overrides)."""
        out: dict[str, float | int] = {}
        cleaned = getattr(self, "cleaned_data", {})
        for name, default in ASSUMPTION_DEFAULTS.items():
            value = cleaned.get(ASSUMPTION_PREFIX + name)
            if value is not None and not math.isclose(float(value), float(default)):
                out[name] = int(value) if isinstance(default, int) else float(value)
        return out

    def workload(self, **override: Any) -> dict[str, Any]:
        """The engine input for a valid form; `override` replaces top-level keys (what-if)."""
        d = self.cleaned_data
        w: dict[str, Any] = {
            "kind": d["kind"],
            "precision": d["precision"],
            "gpu": d["gpu"],
            "fabric": d["fabric"],
            "deployment": d["deployment"],
            "redundancy": d["redundancy"],
            "growth_headroom_pct": d["headroom"],
        }
        if d.get("nodes") is not None:
            w["nodes"] = d["nodes"]
        if self.is_custom:
            w["custom_model"] = self._custom_model()
        else:
            w["model"] = d.get("model") or ""
        if self.is_training:
            training = {"tokens": d["tokens_b"] * 1e9, "target_days": d["target_days"]}
            if d.get("sequence_length") is not None:
                training["sequence_length"] = d["sequence_length"]
            w["training"] = training
        else:
            w["inference"] = {
                "concurrent_users": d["users"],
                "prompt_tokens": d["prompt_tokens"],
                "output_tokens": d["output_tokens"],
                "target_tokens_per_s_per_user": d["tokens_per_s"],
                "target_ttft_s": d["ttft_s"],
            }
        overrides = self.assumption_overrides()
        if overrides:
            w["assumptions"] = overrides
        w.update(override)
        return {k: v for k, v in w.items() if v is not None}

    def whatif_overrides(self) -> dict[str, Any]:
        """The what-if changes asked for (engine keys), empty when none."""
        d = self.cleaned_data
        out: dict[str, Any] = {}
        if d.get("wi_nodes") is not None:
            out["nodes"] = d["wi_nodes"]
        if d.get("wi_precision"):
            out["precision"] = d["wi_precision"]
        if d.get("wi_headroom") is not None:
            out["growth_headroom_pct"] = d["wi_headroom"]
        return out

    def _custom_model(self) -> dict[str, Any]:
        d = self.cleaned_data
        model: dict[str, Any] = {"name": d.get("custom_name") or "Custom model"}
        for key in (
            "layers",
            "hidden_size",
            "heads",
            "kv_heads",
            "ffn_size",
            "vocab_size",
            "context_length",
            "params_b",
            "experts",
            "experts_per_token",
        ):
            value = d.get(f"custom_{key}")
            if value is not None:
                model[key] = value
        if "params_b" not in model:
            estimate = estimate_params(model)
            if estimate:
                model["params_b"], model["active_params_b"] = estimate
        elif model.get("experts", 1) > 1:
            estimate = estimate_params(model)
            if estimate:
                model["active_params_b"] = min(estimate[1], model["params_b"])
        return model

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.is_custom:
            for name in (
                "custom_layers",
                "custom_hidden_size",
                "custom_heads",
                "custom_kv_heads",
                "custom_ffn_size",
                "custom_vocab_size",
            ):
                if name in self.fields and cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, "Enter a whole number, or upload the model's config.json.")
        elif not cleaned.get("model") and "model" not in self.errors:
            self.add_error("model", "Choose a model from the library.")
        return cleaned

    # --- the engine's messages --------------------------------------------------------

    def add_engine_errors(self, field_errors: Mapping[str, list[str]]) -> None:
        """Put each engine message beside its field (or on top of the form when it belongs to
        no visible field), in words: the field's label, then the engine's message."""
        for path, messages in field_errors.items():
            name = self._field_for(path)
            for message in _plain_messages(messages):
                if name in self.fields:
                    self.add_error(name, _sentence(self.fields[name].label, message))
                else:
                    self.add_error(None, _sentence(_path_label(path), message))

    def _field_for(self, path: str) -> str:
        if path.startswith("assumptions."):
            return ASSUMPTION_PREFIX + path.split(".", 1)[1]
        if path.startswith("custom_model."):
            return "custom_" + path.split(".", 1)[1]
        if path == "model" and self.is_custom:
            return "custom_params_b"
        return ENGINE_FIELDS.get(path, path)

    # --- the URL -----------------------------------------------------------------------

    def query_items(self) -> list[tuple[str, str]]:
        """The state worth keeping in the URL: every field that applies, assumptions only
        where overridden, what-if values only when given."""
        items: list[tuple[str, str]] = []
        for name in self.fields:
            if name == "q":
                continue
            value = self.data.get(name)
            if value in (None, ""):
                continue
            if name.startswith(ASSUMPTION_PREFIX) and not self._is_override(name, value):
                continue
            items.append((name, str(value)))
        return items

    def _is_override(self, name: str, raw: Any) -> bool:
        default = ASSUMPTION_DEFAULTS[name[len(ASSUMPTION_PREFIX) :]]
        try:
            return not math.isclose(float(str(raw).replace(",", "")), float(default))
        except ValueError:
            return True  # keep what the user typed, so its error survives a reload

    def query_string(self, **replace: Any) -> str:
        """The URL query of this state; `replace` sets (or with None removes) parameters."""
        query = QueryDict(mutable=True)
        items = dict(self.query_items())
        for key, value in replace.items():
            if value is None:
                items.pop(key, None)
            else:
                items[key] = str(value)
        for key, value in items.items():
            query[key] = value
        return query.urlencode()

    def applied_whatif_query(self) -> str:
        """The query with the what-if values made the main inputs."""
        raw = {name: self.data.get(name) for name in WHATIF_FIELDS}
        replace: dict[str, Any] = dict.fromkeys(WHATIF_FIELDS)
        if raw["wi_nodes"]:
            replace["nodes"] = raw["wi_nodes"]
        if raw["wi_precision"]:
            replace["precision"] = raw["wi_precision"]
        if raw["wi_headroom"] not in (None, ""):
            replace["headroom"] = raw["wi_headroom"]
        return self.query_string(**replace)

    def hidden_state(self) -> list[tuple[str, str]]:
        """Assumption and what-if values to carry as hidden inputs when the result panel (where
        their inputs live) is not shown."""
        return [
            (name, value)
            for name, value in self.query_items()
            if name.startswith(ASSUMPTION_PREFIX) or name in WHATIF_FIELDS or name == "why"
        ]


def _custom_start(catalog: CatalogSnapshot, slug: str) -> dict[str, str]:
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
        "custom_experts": str(model.experts),
        "custom_experts_per_token": str(model.experts_per_token),
    }


def _plain_messages(messages: Iterable[str]) -> list[str]:
    """Drop the auto-choice prefix (`gpu/fabric: `) and repeats."""
    out: list[str] = []
    for message in messages:
        text = AUTO_PREFIX.sub("", str(message))
        if text not in out:
            out.append(text)
    return out


def _sentence(label: Any, message: str) -> str:
    text = message.strip()
    if text[:1].islower():
        text = f"{label} {text}"
    return text if text.endswith((".", "!", "?")) else text + "."


def _path_label(path: str) -> str:
    return path.replace("_", " ").replace(".", " ").capitalize() if path else "The workload"


# --- choices from the catalog ------------------------------------------------------------


def model_choices(catalog: CatalogSnapshot, search: str, selected: str) -> list[Any]:
    """Library models grouped by family, filtered by `search`; the selected model stays."""
    needle = search.strip().lower()
    groups: dict[str, list[tuple[str, str]]] = {}
    for model in catalog.models.values():
        text = f"{model.name} {model.family} {model.slug}".lower()
        if needle and needle not in text and model.slug != selected:
            continue
        label = f"{model.name} — {model.params_b:g} B parameters"
        groups.setdefault(model.family, []).append((model.slug, label))
    return [(family, options) for family, options in groups.items()]


def gpu_choices(catalog: CatalogSnapshot) -> list[tuple[str, str]]:
    """Auto, the orderable GPUs, then reference GPUs (capacity mode only)."""
    out = [(AUTO_GPU, "Auto — compare all and pick the best")]
    gpus = sorted(catalog.gpus.values(), key=lambda g: (g.reference, -g.memory_gb, g.name))
    for gpu in gpus:
        note = " (reference hardware — needs a fixed node count)" if gpu.reference else ""
        out.append((gpu.slug, f"{gpu.name}{note}"))
    return out


def precisions_for(catalog: CatalogSnapshot, kind: str, gpu_slug: str) -> list[str]:
    """Precisions the engine accepts for the kind that the GPU can run (FP8 needs Hopper or
    Ada tensor cores: a TFLOPS figure in the catalog)."""
    allowed = [p.value for p in (TRAINING_PRECISIONS if kind in TRAINING_KINDS else Precision)]
    gpu = catalog.gpus.get(gpu_slug)
    if gpu is None:
        return allowed
    return [p for p in allowed if p not in HARDWARE_PRECISIONS or gpu.tflops.get(p)]


# --- custom models -----------------------------------------------------------------------


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
    return values


def query_from_workload(inputs: Mapping[str, Any]) -> str:
    """The wizard URL query for an engine input (a saved scenario's inputs)."""
    q = QueryDict(mutable=True)
    for key in ("kind", "precision", "gpu", "fabric", "deployment", "redundancy"):
        if inputs.get(key) is not None:
            q[key] = str(inputs[key])
    if inputs.get("growth_headroom_pct") is not None:
        q["headroom"] = f"{inputs['growth_headroom_pct']:g}"
    if inputs.get("nodes") is not None:
        q["nodes"] = str(inputs["nodes"])
    custom = inputs.get("custom_model")
    if isinstance(custom, Mapping):
        q["model_source"] = ModelSource.CUSTOM
        for key, value in custom.items():
            if key == "active_params_b":
                continue
            q[f"custom_{key}"] = f"{value:g}" if isinstance(value, float) else str(value)
    else:
        q["model_source"] = ModelSource.LIBRARY
        q["model"] = str(inputs.get("model") or "")
    training = inputs.get("training") or {}
    if training:
        q["tokens_b"] = f"{float(training.get('tokens', 0)) / 1e9:g}"
        for src, dst in (("target_days", "target_days"), ("sequence_length", "sequence_length")):
            if training.get(src) is not None:
                q[dst] = f"{training[src]:g}"
    inference = inputs.get("inference") or {}
    for src, dst in (
        ("concurrent_users", "users"),
        ("prompt_tokens", "prompt_tokens"),
        ("output_tokens", "output_tokens"),
        ("target_tokens_per_s_per_user", "tokens_per_s"),
        ("target_ttft_s", "ttft_s"),
    ):
        if inference.get(src) is not None:
            q[dst] = f"{inference[src]:g}"
    for name, value in (inputs.get("assumptions") or {}).items():
        q[ASSUMPTION_PREFIX + name] = f"{value:g}"
    return q.urlencode()


class ScenarioSaveForm(forms.Form):
    """Name of a new scenario; the sizing itself comes from the wizard's query."""

    name = forms.CharField(
        label="Scenario name",
        max_length=200,
        help_text="e.g. ACME chat assistant, 2,000 users",
        error_messages={"required": "Give the scenario a name."},
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)


class ScenarioRenameForm(forms.Form):
    name = forms.CharField(
        label="New name", max_length=200, error_messages={"required": "Give the scenario a name."}
    )
