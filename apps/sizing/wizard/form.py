"""``WizardForm``: the sizing wizard's fields for one state (kind, mode, model source), built
from the workload specification, checked in the fields' own units, and mapped to the engine.

(Longer than ~400 lines on purpose: the form's fields per state, their checks in the fields'
units and the mapping to the engine belong together.)

The wizard is a GET form: its state is the URL's query string, so the back button, a reload
and a shared link all show the same sizing. Missing parameters take the specification's
defaults (codec.defaults), so `/sizing/` alone already shows a result. Only the inputs that
apply exist: training or inference fields by kind, the node count only in capacity mode, the
growth headroom only in size mode, library or custom model fields by the model source.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.http import QueryDict

from apps.sizing import formatting as fmt
from apps.sizing import gateway
from apps.sizing.choices import Mode, ModelSource
from apps.sizing.engine import spec
from apps.sizing.engine.catalog import CatalogSnapshot
from apps.sizing.engine.models import estimate_params

from . import codec, htmx
from .choices import (
    catalog_options,
    label_of,
    model_choices,
    precisions_for,
    spec_choices,
)
from .config_upload import custom_start
from .errors import (
    field_for_path,
    limit_problem,
    path_label,
    plain_messages,
    sentence,
    summary_line,
)
from .fields import field_for, number_field
from .widgets import WIZARD_RENDERER

WHATIF = {"wi_nodes": "nodes", "wi_precision": "precision", "wi_headroom": "growth_headroom_pct"}
REQUIRED_SHAPE = ("layers", "hidden_size", "heads", "kv_heads", "ffn_size", "vocab_size")


class WizardForm(forms.Form):
    """All inputs of one sizing: what (kind, model), how much, where (hardware), more options,
    plus the assumption overrides of the "why" panel and the what-if values of the result."""

    model_source = forms.ChoiceField(
        label="Model", choices=ModelSource.choices, widget=forms.RadioSelect
    )
    q = forms.CharField(
        label="Search the library",
        required=False,
        max_length=60,
        help_text="Type part of a name or family, e.g. llama or 70b.",
    )
    mode = forms.ChoiceField(
        label="Sizing mode",
        choices=Mode.choices,
        help_text="Size finds the node count for the targets; capacity evaluates a given one.",
    )
    why = forms.CharField(required=False, widget=forms.HiddenInput)
    default_renderer = WIZARD_RENDERER  # one per process: a renderer keeps its templates

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
        self.kind_value = str(data.get("kind") or "inference")
        if self.kind_value not in spec.KINDS:
            self.kind_value = "inference"
        self.mode_value = codec.mode_of(data)
        self.is_training = self.kind_value in spec.TRAINING_KINDS
        self.is_custom = data.get("model_source") == ModelSource.CUSTOM
        shared = _shared_fields(self)
        self.inputs: Sequence[spec.Input] = shared.inputs
        self.fields = dict(shared.fields)
        self.fields.update(_option_fields(self))

    def _build_option_fields(self) -> dict[str, forms.Field]:
        """Options that depend on this request's values: the library (its search and the model
        chosen) and the precisions of the chosen GPU, with the what-if's copy of them."""
        built = {
            i.short: _described(i.short, self._field(i))
            for i in self.inputs
            if i.path in ("model", "precision")
        }
        self.fields.update(built)  # the what-if copy reads the precision field's options
        built["wi_precision"] = _described("wi_precision", self._whatif_field("wi_precision"))
        return built

    def _build_fields(self) -> None:
        """Every field of this form's state (kind, mode, model source), built from the
        specification; done once per process and state (``_shared_fields``)."""
        self.inputs = [
            i
            for i in codec.wizard_inputs()
            if codec.applies(i, self.kind_value, self.mode_value, self.is_custom)
        ]
        for i in self.inputs:
            self.fields[i.short] = self._field(i)
        if self.is_custom:
            del self.fields["q"]
        self._setup_whatif()
        for name, field in self.fields.items():
            _described(name, field)
        htmx.wire(self.fields)

    def _field(self, i: spec.Input) -> forms.Field:
        options: list[Any] | None = None
        if i.path == "model":
            options = model_choices(
                self.catalog, str(self.data.get("q") or ""), str(self.data.get("model") or "")
            )
        elif i.path == "precision":
            gpu = str(self.data.get("gpu") or "auto")
            allowed = precisions_for(self.catalog, self.kind_value, gpu)
            options = [(p, label_of("precision", p)) for p in allowed]
        elif i.catalog:
            options = catalog_options(i, self.catalog)
        elif i.type == "choice":
            options = spec_choices(i, self.kind_value)
        field = field_for(i, self.mode_value, options)
        if isinstance(field, forms.ChoiceField) and i.default is not None:
            current: Any = field.choices
            choices = list(current)
            if choices and choices[0][0] == "":
                field.choices = [("", f"Default: {label_of(i.path, i.default)}"), *choices[1:]]
        note = codec.start_note(i, self.kind_value, self.mode_value)
        if note and i.group != "advanced":
            field.help_text = f"{field.help_text} ({note}.)".strip()
        if i.path == "nodes":
            field.required = True
            field.error_messages["required"] = "Enter the node count to evaluate."
        if i.path == "model":
            field.required = False  # the message says where to choose (clean)
        if i.path == "custom_model.params_b":
            field.required = False
            field.help_text = "Total parameters, in billions; leave empty to estimate it."
        if codec.is_assumption(i):
            field.widget.attrs["size"] = 7
            field.default = i.default  # type: ignore[attr-defined]
        return field

    def _setup_whatif(self) -> None:
        for name in WHATIF:
            self.fields[name] = self._whatif_field(name)

    def _whatif_field(self, name: str) -> forms.Field:
        i = spec.BY_PATH[WHATIF[name]]
        if i.path == "precision":
            precision = cast(forms.ChoiceField, self.fields["precision"])
            allowed: Any = precision.choices
            options = [("", "— as above —"), *allowed]
            field: forms.Field = forms.ChoiceField(
                label=i.label, choices=options, required=False, help_text="Try another."
            )
            field.unit = ""  # type: ignore[attr-defined]
        else:
            field = number_field(
                i.label,
                "Try another value.",
                whole=i.type == "integer",
                required=False,
                unit=i.display_unit or i.unit,
            )
        field.spec = i  # type: ignore[attr-defined]
        return field

    # --- construction from the query string -------------------------------------------

    @classmethod
    def from_query(
        cls, query: QueryDict | Mapping[str, Any], *, catalog: CatalogSnapshot
    ) -> WizardForm:
        """The form for a query string: defaults for what is missing (by kind and mode), and a
        precision the chosen GPU cannot run replaced by BF16 with a notice."""
        raw = {key: query.get(key) for key in query if key != "csrfmiddlewaretoken"}
        kind = raw.get("kind") if raw.get("kind") in spec.KINDS else "inference"
        data = codec.defaults(str(kind), codec.mode_of(raw))
        data.update({k: v for k, v in raw.items() if v is not None})
        if "fabric" not in raw:
            data["fabric"] = codec.fabric_start(str(data.get("gpu") or "auto"))
        if data.get("model_source") == ModelSource.CUSTOM and not any(
            raw.get(i.short) for i in spec.section_inputs("custom_model")
        ):
            data.update(custom_start(catalog, str(data.get("model") or codec.DEFAULT_MODEL)))
        notices: dict[str, str] = {}
        allowed = precisions_for(catalog, str(kind), str(data.get("gpu") or "auto"))
        if data.get("precision") not in allowed and data.get("precision") in spec.PRECISIONS:
            gpu = catalog.gpus.get(str(data.get("gpu")))
            where = f"on {gpu.name}" if gpu else "for this workload"
            notices["precision"] = (
                f"{str(data['precision']).upper()} is not available {where}; switched to BF16."
            )
            data["precision"] = "bf16"
        return cls(data, catalog=catalog, notices=notices)

    # --- which fields are where --------------------------------------------------------

    def section(self, names: Iterable[str]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    def _group(self, group: str, prefix: str = "") -> list[str]:
        return [i.short for i in self.inputs if i.group == group and i.path.startswith(prefix)]

    @property
    def what_fields(self) -> list[forms.BoundField]:
        if self.is_custom:
            return self.section(self._group("model", "custom_model."))
        return self.section(("q", "model"))

    @property
    def how_fields(self) -> list[forms.BoundField]:
        return self.section(n for n in self._group("workload") if n != "kind")

    @property
    def where_fields(self) -> list[forms.BoundField]:
        names = [n for n in self._group("hardware") if n != "nodes"]
        return self.section([*names, "mode", "nodes"])

    @property
    def advanced_fields(self) -> list[forms.BoundField]:
        return self.section(self._group("advanced"))

    @property
    def whatif_fields(self) -> list[forms.BoundField]:
        return self.section(WHATIF)

    @property
    def slot_names(self) -> list[str]:
        """Names of the fields whose error slots the page shows (for htmx updates)."""
        rendered = [
            "kind",
            "model_source",
            *[f.name for f in self.what_fields],
            *[f.name for f in self.how_fields],
            *[f.name for f in self.where_fields],
            *[f.name for f in self.advanced_fields],
        ]
        return [name for name in rendered if name in self.fields]

    @property
    def slots(self) -> list[tuple[str, Any]]:
        """(name, errors) of every field with an error slot on the page."""
        return [(name, self[name].errors) for name in self.slot_names]

    @property
    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, text) of every error at once, each naming its field."""
        out = [("", str(e)) for e in self.non_field_errors()]
        names = [*self.slot_names, *(n for n in self.fields if n not in self.slot_names)]
        for bound in self.section(names):
            for e in bound.errors:
                out.append((bound.id_for_label, summary_line(str(bound.label), str(e))))
        return out

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
        return estimate_params(self._shape(self.data))

    @staticmethod
    def _shape(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            i.key: values.get(i.short)
            for i in spec.section_inputs("custom_model")
            if values.get(i.short) not in (None, "")
        }

    # --- checks ------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = dict(cleaned)  # with the values out of their limits, for the engine's check
        for name, field in self.fields.items():
            i = getattr(field, "spec", None)
            value = cleaned.get(name)
            if i is None or value is None or i.type not in ("number", "integer"):
                continue
            problem = limit_problem(i, float(value), self.raw(name))
            if problem and name not in self.errors:
                self.add_error(name, sentence(field.label, problem))
        if self.is_custom:
            for key in REQUIRED_SHAPE:
                name = spec.BY_PATH[f"custom_model.{key}"].short
                if cleaned.get(name) is None and name not in self.errors:
                    self.add_error(name, "Enter a whole number, or upload the model's config.json.")
        elif not cleaned.get("model") and "model" not in self.errors:
            self.add_error("model", "Choose a model from the library.")
        if self.errors:
            self._add_engine_checks(values)
        return cleaned

    def _add_engine_checks(self, values: dict[str, Any]) -> None:
        """Every error at once: the engine's checks of the other fields (cross-field rules
        such as key/value heads dividing heads) beside the form's own."""
        workload = codec.to_workload(values, self.inputs, _overrides(values))
        for path, messages in gateway.check(workload).items():
            name = field_for_path(path, self.fields, self.is_custom)
            if name in self.errors or (not name and None in self.errors):
                continue  # already explained (in the field's own units)
            for message in plain_messages(messages):
                if name:
                    self.add_error(name, sentence(self.fields[name].label, message))
                else:
                    self.add_error(None, sentence(path_label(path), message))

    # --- values ------------------------------------------------------------------------

    def assumption_rows(self, effective: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """One row per assumption the model of this form's kind reads (its `kinds=` in the
        specification, as the read-only why panel and the PDF list them): its input, default,
        unit, source, value in force and whether it is overridden. Overrides of the others
        are `kept_assumptions`."""
        rows = []
        overrides = self.assumption_overrides()
        for i in spec.ASSUMPTIONS:
            if self.kind_value not in i.kinds:
                continue
            bound = self[i.short]
            # The template writes these inputs itself: 29 widget renders through Django's
            # form renderer cost more than the engine run (see bench/bench_wizard.py).
            rows.append(
                {
                    "name": i.key,
                    "field": bound,
                    "default": i.default,
                    "unit": i.unit,
                    "source": i.source,
                    "input_name": bound.html_name,
                    "input_id": bound.auto_id,
                    "raw": self.raw(bound.name),
                    "whole": i.type == "integer",
                    "value": (effective or {}).get(i.key, i.default),
                    "overridden": i.key in overrides,
                }
            )
        return rows

    @property
    def kind_words(self) -> str:
        return kinds_in_words((self.kind_value,))

    def kept_assumptions(self) -> list[dict[str, Any]]:
        """Overrides of assumptions this kind's model does not read (set while sizing another
        kind): never dropped without a word. They stay in the workload, the URL, a saved
        scenario and a quote (every door accepts any override; a result lists each as "your
        input"), are carried as hidden inputs for when the user switches back, and are named
        under the editable table, each with the kinds that read it and a link removing it."""
        overrides = self.assumption_overrides()
        rows = []
        for i in spec.ASSUMPTIONS:
            if i.key not in overrides or self.kind_value in i.kinds:
                continue
            bound = self[i.short]
            rows.append(
                {
                    "name": i.key,
                    "label": fmt.label(i.key),
                    "unit": fmt.unit(i.key),
                    "input_name": bound.html_name,
                    "raw": self.raw(bound.name),
                    "read_by": kinds_in_words(i.kinds),
                    "remove_query": self.query_string(**{bound.html_name: None}),
                }
            )
        return rows

    def assumption_overrides(self) -> dict[str, float | int]:
        """Assumptions the user changed (values equal to the default are not overrides)."""
        return _overrides(getattr(self, "cleaned_data", {}))

    def workload(self, **override: Any) -> dict[str, Any]:
        """The engine input for a valid form; `override` replaces top-level keys (what-if)."""
        values = dict(
            self.cleaned_data
        )  # a custom model's absent parameters: the engine's estimate
        w = codec.to_workload(values, self.inputs, self.assumption_overrides())
        w.update(override)
        return {k: v for k, v in w.items() if v is not None}

    def whatif_overrides(self) -> dict[str, Any]:
        """The what-if changes asked for (engine keys), empty when none."""
        d = self.cleaned_data
        return {path: d[name] for name, path in WHATIF.items() if d.get(name) not in (None, "")}

    def whatif_changes(self) -> list[dict[str, Any]]:
        """Each what-if change on its own: field name, engine key, value, and a title in words
        ("Fixed node count: 24")."""
        out = []
        for path, value in self.whatif_overrides().items():
            name = next(n for n, p in WHATIF.items() if p == path)
            field = self.fields[name]
            shown = dict(getattr(field, "choices", ())).get(value, self.data.get(name, value))
            unit = getattr(field, "unit", "")
            title = f"{field.label}: {shown}{f' {unit}' if unit else ''}"
            out.append({"name": name, "path": path, "value": value, "title": title})
        return out

    # --- the engine's messages --------------------------------------------------------

    def add_engine_errors(self, field_errors: Mapping[str, list[str]]) -> None:
        """Put each engine message beside its field (or on top of the form when it belongs to
        no visible field), in words: the field's label, then the engine's message."""
        for path, messages in field_errors.items():
            name = field_for_path(path, self.fields, self.is_custom)
            for message in plain_messages(messages):
                if name in self.fields:
                    self.add_error(name, sentence(self.fields[name].label, message))
                else:
                    self.add_error(None, sentence(path_label(path), message))

    # --- the URL -----------------------------------------------------------------------

    def query_items(self) -> list[tuple[str, str]]:
        """The state worth keeping in the URL: every field that applies, assumptions only
        where overridden, what-if values only when given."""
        items: list[tuple[str, str]] = []
        for name, field in self.fields.items():
            value = self.data.get(name)
            if name == "q" or value in (None, ""):
                continue
            i = getattr(field, "spec", None)
            if i is not None and codec.is_assumption(i) and not _is_override(i, value):
                continue
            items.append((name, str(value)))
        return items

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

    def applied_whatif_query(self, only: str | None = None) -> str:
        """The query with the what-if values (or just the what-if `only`) made the main
        inputs; the what-if fields are emptied."""
        replace: dict[str, Any] = dict.fromkeys(WHATIF)
        for name, path in WHATIF.items():
            value = self.data.get(name) if only in (None, name) else None
            if value not in (None, ""):
                replace[spec.BY_PATH[path].short] = value
                if path == "nodes":
                    replace["mode"] = "capacity"
        return self.query_string(**replace)

    def hidden_state(self) -> list[tuple[str, str]]:
        """Assumption and what-if values to carry as hidden inputs when the result panel (where
        their inputs live) is not shown."""
        return [
            (name, value)
            for name, value in self.query_items()
            if name.startswith("a_") or name in WHATIF or name == "why"
        ]


@dataclass(frozen=True)
class _Shared:
    catalog: CatalogSnapshot
    inputs: tuple[spec.Input, ...]
    fields: dict[str, forms.Field]


_SHARED: dict[tuple[str, str, bool], _Shared] = {}


def _shared_fields(form: WizardForm) -> _Shared:
    """The fields of a wizard state (kind, mode, model source) for this catalog snapshot, built
    once per process: building ~80 fields from the specification cost more per request than
    the sizing. A request binds its values to them (Django's BoundField) and never changes a
    field; it builds its own model and precision fields, whose options depend on its values.
    A new catalog revision (a new snapshot) builds them again."""
    key = (form.kind_value, form.mode_value, form.is_custom)
    shared = _SHARED.get(key)
    if shared is None or shared.catalog is not form.catalog:
        if shared is not None:
            _SHARED.clear()  # the catalog changed: every state is rebuilt
        form._build_fields()
        shared = _Shared(form.catalog, tuple(form.inputs), dict(form.fields))
        _SHARED[key] = shared
    return shared


OPTIONS_KEPT = 256  # option fields kept per process, least recently used out first
_OPTIONS: OrderedDict[tuple[Any, ...], tuple[CatalogSnapshot, dict[str, forms.Field]]] = (
    OrderedDict()
)


def _option_fields(form: WizardForm) -> dict[str, forms.Field]:
    """The model, precision and what-if precision fields for the values their options depend
    on (state, search, model, GPU), kept like ``_shared_fields``: building them (~20
    normalisations of the library's grouped choices) was ~0.3 ms of every wizard update, and
    an update usually changes none of these values. A field is never changed by a request."""
    key = (
        form.kind_value,
        form.mode_value,
        form.is_custom,
        str(form.data.get("q") or ""),
        str(form.data.get("model") or ""),
        str(form.data.get("gpu") or "auto"),
    )
    kept = _OPTIONS.get(key)
    if kept is not None and kept[0] is form.catalog:
        _OPTIONS.move_to_end(key)
        return kept[1]
    fields = form._build_option_fields()
    _OPTIONS[key] = (form.catalog, fields)
    while len(_OPTIONS) > OPTIONS_KEPT:
        _OPTIONS.popitem(last=False)
    return fields


def kinds_in_words(kinds: Iterable[str]) -> str:
    """`the training kinds`, or the kinds' short names in a sentence (`inference`,
    `QLoRA fine-tuning`)."""
    chosen = tuple(k for k in spec.KINDS if k in kinds)
    if chosen == spec.TRAINING_KINDS:
        return "the training kinds"
    names = [label_of("kind", k).split(" — ")[0].split(" (")[0] for k in chosen]
    return ", ".join(fmt.mid_sentence(n) for n in names)


def _described(name: str, field: forms.Field) -> forms.Field:
    """A field whose input names its help and error slot (``aria-describedby``)."""
    field.widget.attrs.setdefault("aria-describedby", f"help-{name} err-{name}")
    return field


def _overrides(values: Mapping[str, Any]) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for i in spec.ASSUMPTIONS:
        value = values.get(i.short)
        if value is not None and not math.isclose(float(value), float(i.default)):
            out[i.key] = int(value) if i.type == "integer" else float(value)
    return out


def _is_override(i: spec.Input, raw: Any) -> bool:
    try:
        return not math.isclose(float(str(raw).replace(",", "")), float(i.default))
    except ValueError:
        return True  # keep what the user typed, so its error survives a reload
