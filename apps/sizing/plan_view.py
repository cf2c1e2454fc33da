"""What the serving and training panels (serving_view.py, training_view.py) share: an engine
explanation in words (rule, formula, inputs, source), a time breakdown with each part's share
of the total, and memory per GPU by part. Read from the result the API returns; nothing is
recomputed here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from apps.sizing import formatting as fmt


def explanations(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The result's explanations by the figure they explain."""
    return {
        str(e.get("figure")): e
        for e in result.get("explanations") or []
        if isinstance(e, dict) and e.get("figure")
    }


def why(items: dict[str, dict[str, Any]], figure: str) -> dict[str, Any]:
    """Rule, formula, inputs and source of one explanation, in words (empty when absent)."""
    item = items.get(figure) or {}
    raw = item.get("inputs")
    inputs: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "figure": figure,
        "rule": fmt.human_text(str(item.get("rule") or ""), inputs),
        "formula": fmt.human_text(str(item.get("formula") or "")),
        "source": fmt.human_text(str(item.get("source") or "")),
        "inputs": [
            {"label": fmt.label(k), "value": " ".join(x for x in (_plain(v), fmt.unit(k)) if x)}
            for k, v in inputs.items()
            if v is not None and not isinstance(v, dict | list)
        ],
    }


def _plain(value: Any) -> str:
    """A value in words: yes/no, a number, or an enumeration value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return fmt.number(value) if isinstance(value, int | float) else fmt.word(value)


def breakdown(
    parts: dict[str, Any], rows: Iterable[tuple[str, str]], total: float, value_key: str
) -> list[dict[str, str]]:
    """One row per non-zero part: its label, its value (under ``value_key``) and its share of
    ``total`` ("—" when the total is zero)."""
    return [
        {
            "label": label,
            value_key: fmt.number(float(parts[key])),
            "share": f"{float(parts[key]) / total:.1%}" if total else "—",
        }
        for key, label in rows
        if float(parts.get(key) or 0.0) > 0.0
    ]


def memory_section(memory: dict[str, Any], rows: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Memory per GPU: one row per part the result gives (label, GB), the total and the
    usable memory of a GPU."""
    return {
        "memory": [
            {"label": label, "gb": fmt.number(memory[key])}
            for key, label in rows
            if isinstance(memory.get(key), int | float)
        ],
        "memory_total": fmt.number(memory.get("total_per_gpu_gb")),
        "memory_usable": fmt.number(memory.get("usable_gb_per_gpu")),
    }
