"""Options of the wizard's selects, drawn from the catalog snapshot and the engine's rules."""

from __future__ import annotations

from typing import Any

from apps.sizing.choices import CHOICE_LABELS
from apps.sizing.engine import spec
from apps.sizing.engine.catalog import CatalogSnapshot
from apps.sizing.engine.precision import supported_precisions


def label_of(path: str, value: str) -> str:
    """The words for one value of a choice input (the value itself when it has none)."""
    return CHOICE_LABELS.get(path, {}).get(value, value.replace("_", " "))


def spec_choices(i: spec.Input, kind: str | None) -> list[tuple[str, str]]:
    """A fixed-choice input's options in words; `auto` (when allowed) first."""
    values = list(i.choices_for(kind))
    order = list(CHOICE_LABELS.get(i.path, {}))
    values.sort(key=lambda v: (v not in i.extra_choices, order.index(v) if v in order else 0))
    return [(v, label_of(i.path, v)) for v in values]


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
    out = [("auto", "Auto — compare all and pick the best")]
    gpus = sorted(catalog.gpus.values(), key=lambda g: (g.reference, -g.memory_gb, g.name))
    for gpu in gpus:
        note = " (reference hardware — needs a fixed node count)" if gpu.reference else ""
        out.append((gpu.slug, f"{gpu.name}{note}"))
    return out


def profile_choices(catalog: CatalogSnapshot) -> list[tuple[str, str]]:
    return [(p.slug, p.name) for p in catalog.profiles]


def precisions_for(catalog: CatalogSnapshot, kind: str, gpu_slug: str) -> list[str]:
    """The engine's rule (engine/precision.py): precisions the kind allows that the GPU runs."""
    return list(supported_precisions(catalog.gpus.get(gpu_slug), kind))


def catalog_options(i: spec.Input, catalog: CatalogSnapshot) -> list[tuple[str, str]]:
    """Options of an input whose values come from the catalog."""
    if i.catalog == "gpus":
        return gpu_choices(catalog)
    if i.catalog == "profiles":
        return profile_choices(catalog)
    return [(v, v) for v in spec.catalog_choices(i, catalog)]
