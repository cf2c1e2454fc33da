"""A sizing runs with the cyclic garbage collector paused (engine/collector.py): its passes
would free nothing; the collector is given back as it was found, also after a refusal, and
what a sizing leaves in reference cycles is freed by the next young pass."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest

from apps.sizing.engine import SizingInputError, api, size
from apps.sizing.engine.workload import Workload

from .helpers import CATALOG

TRAINING_AUTO = {
    "kind": "pretraining",
    "model": "llama-2-70b",
    "gpu": "auto",
    "fabric": "auto",
    "training": {"tokens": 2e12, "target_days": 30},
}
ONE_NODE = {"kind": "inference", "model": "llama-2-70b", "gpu": "h100-pcie-80gb", "nodes": 1}


def test_the_collector_is_off_while_the_engine_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    parse = api.parse_workload

    def parse_and_look(data: Any) -> Workload:
        seen.append(gc.isenabled())
        return parse(data)

    monkeypatch.setattr(api, "parse_workload", parse_and_look)
    size(TRAINING_AUTO, CATALOG)
    assert seen == [False]
    assert gc.isenabled()


def test_the_collector_is_given_back_as_it_was_found() -> None:
    bad = {**TRAINING_AUTO, "training": {"tokens": -1, "target_days": 30}}
    with pytest.raises(SizingInputError):
        size(bad, CATALOG)
    assert gc.isenabled()
    gc.disable()
    try:
        size(ONE_NODE, CATALOG)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_cycle_left_by_a_sizing_is_freed_by_the_next_young_pass() -> None:
    """The allocation count runs on during the pause: the first allocations after it start a
    young pass, which frees a cycle the sizing dropped."""

    class Node:
        other: Any = None

    left: list[weakref.ref[Node]] = []
    parse = api.parse_workload

    def parse_and_drop_a_cycle(data: Any) -> Workload:
        a, b = Node(), Node()
        a.other, b.other = b, a
        left.append(weakref.ref(a))
        return parse(data)

    gc.collect()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(api, "parse_workload", parse_and_drop_a_cycle)
        size(TRAINING_AUTO, CATALOG)
    _ = [[] for _ in range(2 * gc.get_threshold()[0])]  # allocations after the sizing
    assert left[0]() is None
