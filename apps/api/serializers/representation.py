"""A serializer's answer without DRF's generic per-field attribute walk.

DRF's `Serializer.to_representation` calls, for each field of each row, `field.get_attribute`
(a walk over `source_attrs` with a Mapping check and a callable check per step, inside a
try/except) before the field's own `to_representation`. For a list of 200 quotes that walk,
25 fields per row, was over a third of the request's CPU (bench/bench_lists.py, cProfile).
`FlatRepresentation` builds once per serializer instance (so once per list: `many=True` uses
one child) a plan of (name, attrgetter of the source, the field's to_representation) and
applies it to each row: the same values through the same field code, so the same answer.

What it assumes of the serializer it is mixed into: read-only fields whose sources name
attributes (or properties), not methods (DRF would call a method; the getter returns it), and
no relational field (`PKOnlyObject`); `source="*"` (a SerializerMethodField) passes the row.
A row an attribute is missing from takes DRF's own path for that field (default, null or
skip, as DRF decides). Each serializer using it has a test comparing its answer with
`ModelSerializer.to_representation` (tests/api/test_quotes.py).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.fields import Field, SkipField
from rest_framework.relations import ManyRelatedField, RelatedField


def _row(instance: Any) -> Any:
    return instance


class FlatRepresentation:
    _plan: list[tuple[str, Any, Any, Field]] | None = None

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self._plan
        if plan is None:
            plan = self._plan = self._make_plan()
        out: dict[str, Any] = {}
        for name, get, represent, field in plan:
            try:
                value = get(instance)
            except (AttributeError, KeyError, ObjectDoesNotExist):
                try:  # DRF's own handling of a missing attribute (default, null or skip)
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            out[name] = None if value is None else represent(value)
        return out

    def _make_plan(self) -> list[tuple[str, Any, Any, Field]]:
        plan = []
        for field in self._readable_fields:  # type: ignore[attr-defined]
            if isinstance(field, (RelatedField, ManyRelatedField)):
                raise TypeError(f"{field.field_name}: a relational field needs DRF's own walk")
            get = attrgetter(".".join(field.source_attrs)) if field.source_attrs else _row
            plan.append((field.field_name, get, field.to_representation, field))
        return plan
