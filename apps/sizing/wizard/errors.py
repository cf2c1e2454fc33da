"""Messages of the wizard: limits checked in the field's own units, and the engine's field
errors placed beside the field they belong to (or on top of the form, named)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from apps.sizing.engine import spec

from .fields import display_unit

UNITLESS = ("fraction", "ratio", "×")  # said as plain numbers
AUTO_PREFIX = re.compile(r"^[\w.+-]+/(infiniband|ethernet): ")
# A section as a whole -> the wizard field that stands for it.
SECTION_FIELDS = {
    "training": "tokens_b",
    "inference": "users",
    "custom_model": "custom_params_b",
}


def _human(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.6g}"


def limit_problem(i: spec.Input, value: float, typed: str) -> str | None:
    """The input's limits broken by `value` (in the wizard's display unit), said in that unit
    and quoting what was typed; None when within them."""
    low, high = float(i.low or 0) / i.display_scale, float(i.high or 0) / i.display_scale
    too_low = value <= low if i.low_open else value < low
    if not too_low and value <= high:
        return None
    unit = display_unit(i)
    unit = "" if unit in UNITLESS else unit if unit in ("%", ":1") else f" {unit}" if unit else ""
    typed = typed.strip()
    if i.low_open:
        return (
            f"must be more than {_human(low)} and at most {_human(high)}{unit}; you typed {typed}"
        )
    return f"must be between {_human(low)} and {_human(high)}{unit}; you typed {typed}"


def field_for_path(path: str, names: Iterable[str], is_custom: bool) -> str:
    """The wizard field of an engine path ('' when the path has no field on the page)."""
    names = set(names)
    if path == "model" and is_custom:
        return "custom_params_b"
    if path in SECTION_FIELDS and SECTION_FIELDS[path] in names:
        return SECTION_FIELDS[path]
    i = spec.BY_PATH.get(path)
    if i is not None and i.short in names:
        return i.short
    return path if path in names else ""


def path_label(path: str) -> str:
    """A dotted engine path in words: the specification's label."""
    if not path:
        return "The workload"
    i = spec.BY_PATH.get(path)
    if i is not None:
        return i.label
    section = spec.SECTIONS.get(path)
    return section.label if section else path.replace("_", " ").replace(".", " ").capitalize()


def plain_messages(messages: Iterable[Any]) -> list[str]:
    """Drop the auto-choice prefix (`gpu/fabric: `) and repeats."""
    out: list[str] = []
    for message in messages:
        text = AUTO_PREFIX.sub("", str(message))
        if text not in out:
            out.append(text)
    return out


def sentence(label: Any, message: str) -> str:
    """The message as a sentence naming the field (`Concurrent users must be …`)."""
    text = message.strip()
    if text[:1].islower():
        text = f"{label} {text}"
    return text if text.endswith((".", "!", "?")) else text + "."


def summary_line(label: str, message: str) -> str:
    """A line of the error summary: the field named first, once."""
    text = str(message)
    return text if text.startswith(str(label)) else f"{label}: {text}"
