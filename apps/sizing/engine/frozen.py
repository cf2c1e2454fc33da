"""Frozen dataclasses built without their per-field ``object.__setattr__`` (issue 16: a
one-node sizing builds ~100 BoM lines, explanations and fabrics, and the frozen ``__init__``
was a tenth of it). The objects are the same: equal, hashing alike, immutable afterwards. Only
for classes without ``__post_init__``, given every field."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

_T = TypeVar("_T")
_NEW = object.__new__
_SET = object.__setattr__
_FIELDS: dict[type, tuple[str, ...]] = {}


def build(cls: type[_T], values: dict[str, Any]) -> _T:
    """``cls(**values)``; ``values`` names every field of ``cls`` and is kept as the object's
    attributes (pass a fresh dict)."""
    obj: _T = _NEW(cls)
    _SET(obj, "__dict__", values)
    return obj


def replace(obj: _T, **changes: Any) -> _T:
    """``dataclasses.replace(obj, **changes)``: the fields copied (never anything cached
    beside them), the changes applied."""
    cls = type(obj)
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    values = obj.__dict__
    return build(cls, {name: values[name] for name in names} | changes)
