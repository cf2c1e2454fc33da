"""The wizard's URL and its mapping to the engine, derived from the workload specification.

A wizard parameter is a specification input's ``short`` name (``users`` for
``inference.concurrent_users``, ``a_goodput`` for ``assumptions.goodput``), typed in the
input's display unit (training tokens in billions). Three wizard-only parameters choose what
the page shows: ``model_source`` (library or custom), ``mode`` (size or capacity) and the
what-if values (``wi_*``).

Defaults come from the specification too: an input's ``default``, else its ``suggested``
value (per kind), else the wizard's starting point in ``START`` below (with its reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from django.http import QueryDict

from apps.sizing.engine import spec

from .fields import plain, shown

WIZARD_GROUPS = ("model", "workload", "hardware", "advanced")
DEFAULT_MODEL = "llama-2-70b"
# Inputs whose engine default is computed from others: where the wizard starts, and why.
START: dict[str, tuple[Any, str]] = {
    "model": (DEFAULT_MODEL, "a common open model to start from"),
}
SECTION_OF_SOURCE = {"custom": "custom_model", "library": "model"}


@cache
def wizard_inputs() -> tuple[spec.Input, ...]:
    """Specification inputs the wizard shows (assumptions included)."""
    return tuple(
        i for i in spec.INPUTS if i.group in WIZARD_GROUPS or i.path.startswith("assumptions.")
    )


def is_assumption(i: spec.Input) -> bool:
    return i.path.startswith("assumptions.")


def mode_of(data: Mapping[str, Any]) -> str:
    """The page's mode: as given, else capacity when a node count is given (older URLs)."""
    mode = data.get("mode")
    if mode in spec.MODES:
        return str(mode)
    return "capacity" if data.get("nodes") not in (None, "") else "size"


def start_value(i: spec.Input, kind: str, mode: str) -> Any:
    """The engine value the wizard starts from for ``i`` (None: empty)."""
    if i.short in START:
        return START[i.short][0]
    if i.default is not None:
        return i.default
    if i.required_in(mode):
        return i.suggested_by_kind.get(kind, i.suggested)
    return None


def fabric_start(gpu: str) -> str:
    """The engine's default fabric (spec: ``default_note`` of ``fabric``): compare both when
    the GPU is automatic, else InfiniBand."""
    return "auto" if gpu in ("", "auto") else "infiniband"


def start_note(i: spec.Input, kind: str, mode: str) -> str:
    """Where the starting value comes from, in words (for the help text)."""
    if i.path == "fabric":
        return "starts at the engine's default: auto when the GPU is auto, else InfiniBand"
    if i.short in START:
        return f"starts at {START[i.short][0]}: {START[i.short][1]}"
    value = start_value(i, kind, mode)
    if i.default is None and value is not None:
        return f"suggested start {shown(i, value)}"
    return ""


def defaults(kind: str, mode: str) -> dict[str, str]:
    """Wizard values for what a URL leaves out: every shown input of the main steps and every
    assumption (showing the value in force). Advanced inputs stay empty (engine default)."""
    return dict(_defaults(kind, mode))


@cache
def _defaults(kind: str, mode: str) -> dict[str, str]:
    out: dict[str, str] = {"kind": "inference", "model_source": "library", "mode": mode}
    for i in wizard_inputs():
        if i.group == "advanced" or i.path.startswith("custom_model."):
            continue
        value = start_value(i, kind, mode)
        if value is not None:
            out[i.short] = shown(i, value)
    return out


def engine_value(i: spec.Input, value: Any) -> Any:
    """A cleaned wizard value in the engine's unit."""
    if i.type == "integer":
        return int(value)
    if i.type == "number":
        return float(value) * i.display_scale if i.display_scale != 1.0 else float(value)
    return value


def applies(i: spec.Input, kind: str, mode: str, custom: bool) -> bool:
    """Whether the wizard shows (and sends) ``i`` for this kind, mode and model source."""
    if i.path == "model" and custom:
        return False
    if i.path.startswith("custom_model.") and not custom:
        return False
    if i.path == "nodes":
        return mode == "capacity"
    return spec.applies(i, kind, mode)


def to_workload(
    values: Mapping[str, Any], inputs: Iterable[spec.Input], assumptions: Mapping[str, Any]
) -> dict[str, Any]:
    """The engine input of cleaned wizard values (``inputs``: the ones on the page)."""
    w: dict[str, Any] = {}
    for i in inputs:
        value = values.get(i.short)
        if value is None or value == "" or is_assumption(i):
            continue
        _put(w, i.path, engine_value(i, value))
    if assumptions:
        w["assumptions"] = dict(assumptions)
    return w


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    *heads, last = path.split(".")
    for head in heads:
        target = target.setdefault(head, {})
    target[last] = value


def _get(source: Mapping[str, Any], path: str) -> Any:
    value: Any = source
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def query_from_workload(inputs: Mapping[str, Any]) -> str:
    """The wizard URL query for an engine input (a saved scenario's inputs)."""
    q = QueryDict(mutable=True)
    q["model_source"] = "custom" if isinstance(inputs.get("custom_model"), Mapping) else "library"
    q["mode"] = "capacity" if inputs.get("nodes") is not None else "size"
    for i in wizard_inputs():
        value = _get(inputs, i.path)
        if value is not None:
            q[i.short] = shown(i, value) if i.type in ("number", "integer") else plain(value)
    return q.urlencode()
