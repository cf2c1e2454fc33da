"""A sizing runs with the cyclic garbage collector paused (engine/collector.py): its passes
would free nothing, and the collector is given back as it was found, also after a refusal."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from apps.sizing.engine import SizingInputError, size

from .helpers import CATALOG

TRAINING_AUTO = {
    "kind": "pretraining",
    "model": "llama-2-70b",
    "gpu": "auto",
    "fabric": "auto",
    "training": {"tokens": 2e12, "target_days": 30},
}


@contextmanager
def collections() -> Iterator[list[int]]:
    """The generation of every collector pass that starts inside the block."""
    seen: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            seen.append(info["generation"])

    gc.callbacks.append(record)
    try:
        yield seen
    finally:
        gc.callbacks.remove(record)


def test_a_sizing_makes_one_young_collection_at_its_end() -> None:
    """An automatic training sizing allocates hundreds of thousands of objects: with the
    collector on throughout it ran several passes (young and older generations); paused, the
    only pass is the young one after it."""
    gc.collect()
    with collections() as seen:
        size(TRAINING_AUTO, CATALOG)
    assert seen == [0]
    assert gc.isenabled()


def test_the_collector_is_given_back_as_it_was_found() -> None:
    bad = {**TRAINING_AUTO, "training": {"tokens": -1, "target_days": 30}}
    with pytest.raises(SizingInputError):
        size(bad, CATALOG)
    assert gc.isenabled()
    gc.disable()
    try:
        size(
            {"kind": "inference", "model": "llama-2-70b", "gpu": "h100-pcie-80gb", "nodes": 1},
            CATALOG,
        )
        assert not gc.isenabled()
    finally:
        gc.enable()
