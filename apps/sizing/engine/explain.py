"""Explanations: why each derived figure has its value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import frozen


@dataclass(frozen=True)
class Explanation:
    """One derived figure with the rule, inputs, formula and source behind it."""

    figure: str
    value: Any
    unit: str
    rule: str
    formula: str
    source: str
    inputs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return plain JSON-able data."""
        return {
            "figure": self.figure,
            "value": self.value,
            "unit": self.unit,
            "rule": self.rule,
            "inputs": dict(self.inputs),
            "formula": self.formula,
            "source": self.source,
        }

    def as_json(self) -> dict[str, Any]:
        """``to_dict()`` made once per explanation and shared: the cluster side's are in the
        result of every sizing of that cluster (engine/side.py). Read-only."""
        kept: dict[str, Any] | None = self.__dict__.get("_json")
        if kept is None:
            kept = self.__dict__["_json"] = self.to_dict()
        return kept


class Explainer:
    """Collects explanations in the order figures are derived."""

    def __init__(self) -> None:
        self.items: list[Explanation] = []

    def add(
        self,
        figure: str,
        value: Any,
        unit: str,
        *,
        rule: str,
        formula: str,
        source: str,
        inputs: dict[str, Any] | None = None,
    ) -> None:
        """Record why ``figure`` has ``value``."""
        inputs = inputs or {}
        values = {
            "figure": figure,
            "value": value,
            "unit": unit,
            "rule": rule,
            "formula": formula,
            "source": source,
            "inputs": inputs,
            # ``as_json()`` made now from the values at hand rather than by a later
            # ``to_dict()`` walk of the fields: every explanation a sizing adds is in its
            # result (issue 16). An attribute beside the fields, as ``as_json`` keeps it.
            "_json": {
                "figure": figure,
                "value": value,
                "unit": unit,
                "rule": rule,
                "inputs": dict(inputs),
                "formula": formula,
                "source": source,
            },
        }
        self.items.append(frozen.build(Explanation, values))  # Explanation(**values), cheaper
