"""Workload input: ``parse_workload`` validating the JSON input field by field.

Every input, its limits, defaults and messages are declared once in engine/spec.py; this module
walks those declarations and adds only the rules that join several fields (model or
custom_model, kv_heads divides heads, N+1 needs two nodes).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from functools import cache
from typing import Any

from . import frozen
from . import spec as s
from .errors import SizingInputError
from .models.arch import estimate_params
from .spec import (
    DEPLOYMENTS,
    FABRICS,
    KINDS,
    KV_PRECISIONS,
    LORA_KINDS,
    MAX_TOKENS,
    MAX_USERS,
    PRECISIONS,
    RECOMPUTES,
    REDUNDANCIES,
    TRAINING_KINDS,
    TRAINING_PRECISIONS,
    Assumptions,
    CustomModel,
    InferenceInput,
    TcoInput,
    TrainingInput,
    Workload,
)

__all__ = [
    "ASSUMPTION_LIMITS",
    "DEPLOYMENTS",
    "FABRICS",
    "INT_ASSUMPTIONS",
    "KINDS",
    "KV_PRECISIONS",
    "LORA_KINDS",
    "MAX_TOKENS",
    "MAX_USERS",
    "PRECISIONS",
    "RECOMPUTES",
    "REDUNDANCIES",
    "TOP_KEYS",
    "TRAINING_KINDS",
    "TRAINING_PRECISIONS",
    "Assumptions",
    "CustomModel",
    "InferenceInput",
    "TrainingInput",
    "Workload",
    "parse_workload",
]

TOP_KEYS = s.top_keys()
ASSUMPTION_LIMITS: dict[str, tuple[float, float]] = {
    i.key: (float(i.low or 0.0), float(i.high or 0.0)) for i in s.ASSUMPTIONS
}
INT_ASSUMPTIONS = {i.key for i in s.ASSUMPTIONS if i.type == "integer"}
_DEFAULT_ASSUMPTIONS = Assumptions()  # frozen: one instance serves every workload without any


class _Errors:
    """Collects field errors so every problem is reported at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.errors.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise SizingInputError(self.errors)


def _value(
    errs: _Errors, raw: Mapping[str, Any], spec: s.Input, *, mode: str, kind: str | None = None
) -> Any:
    """The parsed value of one input; its default (after recording the error) when it is
    missing or invalid."""
    value = raw.get(spec.key)
    if value is None:
        if spec.required_in(mode):
            errs.add(spec.path, s.missing_message(spec, kind))
        return spec.default
    parsed, problem = s.check(spec, value, kind)
    if problem is not None:
        errs.add(spec.path, problem)
        return spec.default
    return parsed


_LATER_TOP = (
    "deployment",
    "redundancy",
    "growth_headroom_pct",
    "storage_tb",
    "fabric_design",
    "cooling",
    "oversubscription",
)


def _values(
    errs: _Errors, data: Mapping[str, Any], names: tuple[str, ...], mode: str, top: dict[str, Any]
) -> None:
    """``top[name] = _value(errs, data, s.BY_PATH[name], mode=mode)`` for each top-level name,
    in order, from the names' declarations looked up once (``_top_plan``; issue 16: an API
    sizing gives three of the eleven)."""
    for name, spec, key, default, required in _top_plan(names, mode):
        top[name] = _read(errs, spec, data.get(key), default, required)


def _read(errs: _Errors, spec: s.Input, value: Any, default: Any, required: bool) -> Any:
    """``value`` (None: not given) checked against ``spec``: its parsed value, or ``default``
    with the error recorded (missing when ``required``, or what ``s.check`` found)."""
    if value is None:
        if required:
            errs.add(spec.path, s.missing_message(spec))
        return default
    parsed, problem = s.check(spec, value)
    if problem is not None:
        errs.add(spec.path, problem)
        return default
    return parsed


@cache
def _top_plan(names: tuple[str, ...], mode: str) -> tuple[tuple[str, s.Input, str, Any, bool], ...]:
    """(name, input, key, default, required in ``mode``) of each top-level name (``_values``)."""
    by = s.BY_PATH
    return tuple((n, by[n], by[n].key, by[n].default, by[n].required_in(mode)) for n in names)


def _section(errs: _Errors, raw: Mapping[str, Any], name: str, mode: str) -> dict[str, Any]:
    """Unknown keys, then every declared input of the section, by attribute name: ``_value``
    of each in one pass over the section's declarations for ``mode`` (``_section_plan``)."""
    _unknown_keys(errs, raw, _section_keys(name), f"{name}.")
    values: dict[str, Any] = {}
    for spec, key, attr, default, required in _section_plan(name, mode):
        values[attr] = _read(errs, spec, raw.get(key), default, required)
    return values


@cache
def _section_plan(name: str, mode: str) -> tuple[tuple[s.Input, str, str, Any, bool], ...]:
    """(input, key, attribute, default, required in ``mode``) of each input of the section,
    in declaration order: what ``_value`` reads of each, looked up once (issue 16: an API
    sizing parses two sections, ~20 inputs, mostly absent)."""
    return tuple((i, i.key, i.attr, i.default, i.required_in(mode)) for i in s.section_inputs(name))


@cache
def _section_keys(name: str) -> frozenset[str]:
    return frozenset(i.key for i in s.section_inputs(name))


@cache
def _absent_tco(mode: str) -> TcoInput | None:
    """The TCO inputs of a workload without a ``tco`` section: every default, one frozen
    object per mode shared as ``_DEFAULT_ASSUMPTIONS`` is (issue 16: the kept cluster side's
    key holds it, and one object compares by identity); None if an input were required."""
    errs = _Errors()
    values = _section(errs, {}, "tco", mode)
    return None if errs.errors else frozen.build(TcoInput, values)


def _mapping(errs: _Errors, data: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        errs.add(key, "must be an object")
        return None
    return value


def _unknown_keys(
    errs: _Errors, data: Mapping[str, Any], allowed: AbstractSet[str], prefix: str
) -> None:
    for key in data:
        if key not in allowed:
            errs.add(
                f"{prefix}{key}", f"is not a known field; allowed: {', '.join(sorted(allowed))}"
            )


def _custom_model(errs: _Errors, raw: Mapping[str, Any]) -> CustomModel | None:
    values = _section(errs, raw, "custom_model", "size")
    required = [i.attr for i in s.section_inputs("custom_model") if i.required == "always"]
    if any(values[name] is None for name in required):
        return None
    if values["params_b"] is None:
        estimate = estimate_params(values)
        if estimate is None:
            errs.add("custom_model.params_b", "is required: the shape gives no estimate")
            return None
        values["params_b"] = estimate[0]
        if values["active_params_b"] is None:
            values["active_params_b"] = estimate[1]
    if values["active_params_b"] is None:
        values["active_params_b"] = values["params_b"]
    _check_custom_shape(errs, values)
    return CustomModel(**values)


def _check_custom_shape(errs: _Errors, v: Mapping[str, Any]) -> None:
    heads, kv_heads = v["heads"] or 1, v["kv_heads"] or 1
    params, active = v["params_b"], v["active_params_b"]
    experts, per_tok = v["experts"] or 1, v["experts_per_token"] or 1
    if kv_heads > heads or heads % kv_heads:
        errs.add("custom_model.kv_heads", "must divide heads")
    if active > params:
        errs.add("custom_model.active_params_b", "must not exceed params_b")
    if per_tok > experts:
        errs.add("custom_model.experts_per_token", "must not exceed experts")
    if experts > 1 and per_tok < experts and active >= params:
        errs.add("custom_model.active_params_b", "a mixture of experts needs active < total")


def _training(errs: _Errors, raw: Mapping[str, Any] | None, mode: str) -> TrainingInput | None:
    if raw is None:
        errs.add("training", "is required for training kinds")
        return None
    values = _section(errs, raw, "training", mode)
    if values["tokens"] is None:
        return None
    return frozen.build(TrainingInput, values)


def _inference(errs: _Errors, raw: Mapping[str, Any] | None, mode: str) -> InferenceInput | None:
    if raw is None:
        if mode == "size":
            errs.add("inference", "is required for kind inference")
            return None
        raw = {}
    return frozen.build(InferenceInput, _section(errs, raw, "inference", mode))


def _assumptions(
    errs: _Errors, raw: Mapping[str, Any] | None
) -> tuple[Assumptions, tuple[str, ...]]:
    if raw is None:
        return _DEFAULT_ASSUMPTIONS, ()
    values: dict[str, Any] = {}
    by_key = {i.key: i for i in s.ASSUMPTIONS}
    for key in raw:
        if key not in by_key:
            errs.add(
                f"assumptions.{key}",
                f"is not a known assumption; allowed: {', '.join(sorted(by_key))}",
            )
            continue
        parsed, problem = s.check(by_key[key], raw[key]) if raw[key] is not None else (None, None)
        if problem is not None:
            errs.add(f"assumptions.{key}", problem)
        elif parsed is not None:
            values[key] = parsed
    return Assumptions(**values), tuple(sorted(values))


def _model_fields(errs: _Errors, data: Mapping[str, Any]) -> tuple[str | None, CustomModel | None]:
    slug, custom_raw = data.get("model"), _mapping(errs, data, "custom_model")
    if slug is not None and custom_raw is not None:
        errs.add("model", "give either model or custom_model, not both")
    if slug is None and custom_raw is None:
        errs.add("model", "is required (a library slug) unless custom_model is given")
    if slug is not None and not isinstance(slug, str):
        errs.add("model", f"must be a model slug, got {slug!r}")
        slug = None
    custom = _custom_model(errs, custom_raw) if custom_raw is not None else None
    return slug, custom


def parse_workload(data: Mapping[str, Any]) -> Workload:
    """Validate the JSON input into a Workload; raise SizingInputError listing every bad field."""
    if not isinstance(data, Mapping):
        raise SizingInputError.single("", "the workload must be a JSON object")
    errs = _Errors()
    _unknown_keys(errs, data, TOP_KEYS, "")
    mode = "capacity" if data.get("nodes") is not None else "size"
    by = s.BY_PATH
    kind = _value(errs, data, by["kind"], mode=mode)
    slug, custom = _model_fields(errs, data)
    top: dict[str, Any] = {}
    _values(errs, data, ("nodes", "gpus_per_node", "gpu", "node_profile"), mode, top)
    gpu = top["gpu"] or "auto"
    fabric_default = "auto" if gpu == "auto" else "infiniband"
    fabric = _value(errs, data, by["fabric"], mode=mode) or fabric_default
    _values(errs, data, _LATER_TOP, mode, top)
    assumptions, overrides = _assumptions(errs, _mapping(errs, data, "assumptions"))
    tco_raw = _mapping(errs, data, "tco")
    tco = _absent_tco(mode) if tco_raw is None else None
    if tco is None:
        tco = frozen.build(TcoInput, _section(errs, tco_raw or {}, "tco", mode))
    training_raw, inference_raw = (
        _mapping(errs, data, "training"),
        _mapping(errs, data, "inference"),
    )
    training = inference = None
    if kind in TRAINING_KINDS:
        training = _training(errs, training_raw, mode)
    elif kind == "inference":
        inference = _inference(errs, inference_raw, mode)
    precision = _value(errs, data, by["precision"], mode=mode, kind=kind) or "bf16"
    if kind in TRAINING_KINDS and (top["oversubscription"] or 1.0) > 1.0:
        errs.add(
            "oversubscription",
            "must be 1 for training (gradient all-reduce needs a non-blocking fabric); "
            "above 1 is allowed for inference only",
        )
    if mode == "capacity" and top["redundancy"] == "n+1" and top["nodes"] == 1:
        errs.add("redundancy", "n+1 needs at least 2 nodes in capacity mode")
    errs.raise_if_any()
    # every field given: the frozen classes built without their per-field __setattr__
    # (engine/frozen.py; a section's values name all its fields, ``_section``)
    top.update(
        kind=kind or "",
        model_slug=slug,
        custom_model=custom,
        precision=precision,
        training=training,
        inference=inference,
        fabric=fabric,
        assumptions=assumptions,
        assumption_overrides=overrides,
        tco=tco,
        gpu=gpu,
    )
    return frozen.build(Workload, top)
